using System.Xml.Linq;
using SinGanSeg.Core.Evaluation;

namespace SinGanSeg.Core.Tests.Segmentation;

public sealed class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Grouped_bars_put_every_bar_in_its_group_with_its_value_whisker_and_a_legend_entry_per_set()
    {
        var groups = Enumerable.Range(0, 6).Select(g => new SvgChart.Group($"config {g} · {100 + g} s / image",
            [new SvgChart.Bar("real", TrainingSets.ColourOf("real"), 0.40, 0.05, 3),
             new SvgChart.Bar("synthetic-styled", TrainingSets.ColourOf("synthetic-styled"), 0.30 + (g / 100.0), 0.02, 3),
             new SvgChart.Bar("real+synthetic-styled", TrainingSets.ColourOf("real+synthetic-styled"), 0.45, 0, 3)])).ToList();

        var doc = XDocument.Parse(SvgChart.GroupedBars("study", "Dice", "configuration", groups));

        var bars = doc.Descendants(Svg + "rect").Where(r => r.Attribute("data-group") is not null).ToList();
        Assert.Equal(18, bars.Count);
        Assert.Equal(3, bars.Count(b => b.Attribute("data-group")!.Value == "config 2 · 102 s / image"));
        // 18 bars plus a gap per group need more than the standard plot width: the canvas widens.
        Assert.True(double.Parse(doc.Root!.Attribute("width")!.Value) > 770);
        // Bars never overlap and keep the order of the groups.
        var xs = bars.Select(b => double.Parse(b.Attribute("x")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(xs.Order(), xs);
        // A higher mean is a taller bar (smaller y), on the same 0-1 scale as the other charts.
        var y = bars.Where(b => b.Attribute("data-series")!.Value == "synthetic-styled").Select(b => double.Parse(b.Attribute("y")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(y.OrderDescending(), y);
        // A whisker for each bar with a spread, none for std 0; each group's label split onto two lines.
        Assert.Equal(12, doc.Descendants(Svg + "path").Count(p => p.Attribute("class")?.Value == "error-bar"));
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("config 5", texts);
        Assert.Contains("105 s / image", texts);
        Assert.Contains("0.35", texts);
        // The legend names each set once.
        var legend = doc.Descendants(Svg + "g").Single(g => g.Attribute("class")?.Value == "legend").Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Equal(1, legend.Count(t => t == "synthetic-styled"));
        Assert.Contains("whiskers: ±1 std over 3 folds", legend);
    }

    [Fact]
    public void Long_group_labels_wrap_to_their_group_and_end_in_an_ellipsis_past_four_lines()
    {
        var bars = new[] { "real", "synthetic-raw", "synthetic-styled", "real+synthetic-raw-balanced" }
            .Select(set => new SvgChart.Bar(set, TrainingSets.ColourOf(set), 0.4, 0.05, 15)).ToList();
        // The quality study's pooled label (two of them side by side ran into each other as one line each).
        const string pooled = "128 px, 500 it (fast), gss 0, gates regenerate, U-Net at 64 px, four sets (splits 1–5) · 1988 s training / image";
        var tooLong = string.Join(' ', Enumerable.Repeat("word", 60)) + " · 12 s training / image";
        var doc = XDocument.Parse(SvgChart.GroupedBars("study", "Dice", "configuration",
            [new SvgChart.Group(pooled, bars), new SvgChart.Group(pooled.Replace("U-Net", "UNet++"), bars), new SvgChart.Group(tooLong, bars)]));

        var slot = double.Parse(doc.Descendants(Svg + "rect").First(r => r.Attribute("data-group") is not null).Attribute("width")!.Value,
            System.Globalization.CultureInfo.InvariantCulture) / 0.8;
        var ticks = doc.Descendants(Svg + "text").Where(t => t.Attribute("class")?.Value == "tick" && t.Attribute("text-anchor")?.Value == "middle")
            .GroupBy(t => t.Attribute("x")!.Value).Select(g => g.Select(t => t.Value).ToList()).ToList();
        Assert.Equal(3, ticks.Count);
        // Every line fits its group's width (4 bars and the gap after them) at the tick font's mean advance.
        Assert.All(ticks.SelectMany(l => l), line => Assert.True(line.Length * 6.6 <= slot * 5, $"'{line}' is wider than its group"));
        Assert.Equal(["128 px, 500 it (fast), gss 0,", "gates regenerate, U-Net at 64", "px, four sets (splits 1–5)", "1988 s training / image"], ticks[0]);
        Assert.Equal(4, ticks[2].Count);
        Assert.EndsWith("…", ticks[2][3]);
        // The legend's longest name fits inside the drawing.
        var legendName = doc.Descendants(Svg + "g").Single(g => g.Attribute("class")?.Value == "legend").Descendants(Svg + "text")
            .Single(t => t.Value == "real+synthetic-raw-balanced");
        Assert.True(double.Parse(legendName.Attribute("x")!.Value, System.Globalization.CultureInfo.InvariantCulture) + ("real+synthetic-styled-balanced".Length * 6.6)
            <= double.Parse(doc.Root!.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture));
        // The tooltips keep the whole label.
        Assert.Contains(doc.Descendants(Svg + "rect"), r => r.Attribute("data-group")?.Value == tooLong);
    }
}
