using System.Globalization;
using System.Security;
using System.Text;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// Charts written directly as SVG: a title, axis titles, tick values, a legend and error bars,
/// all as text and shapes any browser or Markdown viewer draws (no font or native library needed).
/// The y axis is a score in [0, 1].
/// </summary>
public static class SvgChart
{
    public sealed record Bar(string Label, string Colour, double Mean, double Std, int Folds);

    public sealed record Point(double X, double Mean, double Std);

    public sealed record Series(string Name, string Colour, IReadOnlyList<Point> Points);

    // Right holds the legend: its longest name, "real+synthetic-styled-balanced" (30 characters), was cut at 190.
    private const int Width = 770, Height = 440, Left = 70, Right = 240, Top = 44, Bottom = 92;
    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A bar per category with its mean, ±1 std whiskers and the value written above.</summary>
    public static string Bars(string title, string yTitle, string xTitle, IReadOnlyList<Bar> bars)
    {
        var svg = Begin(title, yTitle, xTitle);
        var slot = bars.Count == 0 ? PlotWidth : PlotWidth / (double)bars.Count;
        var width = Math.Min(64, slot * 0.6);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var cx = Left + (slot * i) + (slot / 2);
            var top = Y(b.Mean);
            svg.Append(Inv, $"<rect data-series=\"{Esc(b.Label)}\" x=\"{cx - (width / 2):F1}\" y=\"{top:F1}\" width=\"{width:F1}\" height=\"{Top + PlotHeight - top:F1}\" fill=\"{b.Colour}\"><title>{Esc(b.Label)}: {b.Mean:F3} ± {b.Std:F3} over {b.Folds} folds</title></rect>\n");
            Whisker(svg, cx, b.Mean, b.Std);
            svg.Append(Inv, $"<text class=\"value\" x=\"{cx:F1}\" y=\"{Y(Math.Min(1, b.Mean + b.Std)) - 6:F1}\" text-anchor=\"middle\">{b.Mean:F3}</text>\n");
            svg.Append(Inv, $"<text class=\"tick\" transform=\"translate({cx:F1},{Top + PlotHeight + 14}) rotate(20)\" text-anchor=\"start\">{Esc(b.Label)}</text>\n");
        }
        Legend(svg, [.. bars.Select(b => (b.Label, b.Colour))], bars.Count > 0 ? $"whiskers: ±1 std over {bars.Max(b => b.Folds)} folds" : null);
        return End(svg);
    }

    /// <summary>A line per series over numeric x values (each a tick), ±1 std whiskers at every point.</summary>
    public static string Lines(string title, string yTitle, string xTitle, IReadOnlyList<Series> series)
    {
        var svg = Begin(title, yTitle, xTitle);
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).Distinct().Order().ToList();
        var (min, max) = xs.Count == 0 ? (0d, 1d) : (xs[0], xs[^1]);
        double X(double x) => max == min ? Left + (PlotWidth / 2.0) : Left + 20 + ((x - min) / (max - min) * (PlotWidth - 40));
        foreach (var x in xs)
            svg.Append(Inv, $"<line x1=\"{X(x):F1}\" y1=\"{Top + PlotHeight}\" x2=\"{X(x):F1}\" y2=\"{Top + PlotHeight + 5}\" stroke=\"#333\"/><text class=\"tick\" x=\"{X(x):F1}\" y=\"{Top + PlotHeight + 20}\" text-anchor=\"middle\">{x.ToString("0.##", Inv)}</text>\n");
        foreach (var s in series)
        {
            var points = s.Points.OrderBy(p => p.X).ToList();
            svg.Append(Inv, $"<polyline data-series=\"{Esc(s.Name)}\" fill=\"none\" stroke=\"{s.Colour}\" stroke-width=\"2.5\" points=\"{string.Join(' ', points.Select(p => string.Create(Inv, $"{X(p.X):F1},{Y(p.Mean):F1}")))}\"/>\n");
            foreach (var p in points)
            {
                Whisker(svg, X(p.X), p.Mean, p.Std);
                svg.Append(Inv, $"<circle cx=\"{X(p.X):F1}\" cy=\"{Y(p.Mean):F1}\" r=\"4\" fill=\"{s.Colour}\"><title>{Esc(s.Name)} at {p.X.ToString("0.##", Inv)}: {p.Mean:F3} ± {p.Std:F3}</title></circle>\n");
            }
        }
        Legend(svg, [.. series.Select(s => (s.Name, s.Colour))], "whiskers: ±1 std over folds");
        return End(svg);
    }

    public sealed record Group(string Label, IReadOnlyList<Bar> Bars);

    /// <summary>
    /// Bars in labelled groups (e.g. a configuration per group, a training set per bar), ±1 std
    /// whiskers, the mean written on each bar; the canvas widens with the number of bars so that
    /// a study of many configurations stays legible.
    /// </summary>
    public static string GroupedBars(string title, string yTitle, string xTitle, IReadOnlyList<Group> groups)
    {
        var count = groups.Sum(g => g.Bars.Count) + groups.Count;
        var plotWidth = Math.Max(PlotWidth, count * 42);
        var svg = Begin(title, yTitle, xTitle, plotWidth);
        var slot = plotWidth / (double)Math.Max(1, count);
        var i = 0.5;
        foreach (var group in groups)
        {
            var start = Left + (slot * i);
            foreach (var b in group.Bars)
            {
                var cx = Left + (slot * i) + (slot / 2);
                var top = Y(b.Mean);
                svg.Append(Inv, $"<rect data-series=\"{Esc(b.Label)}\" data-group=\"{Esc(group.Label)}\" x=\"{cx - (slot * 0.4):F1}\" y=\"{top:F1}\" width=\"{slot * 0.8:F1}\" height=\"{Top + PlotHeight - top:F1}\" fill=\"{b.Colour}\"><title>{Esc(group.Label)}, {Esc(b.Label)}: {b.Mean:F3} ± {b.Std:F3} over {b.Folds} folds</title></rect>\n");
                Whisker(svg, cx, b.Mean, b.Std);
                svg.Append(Inv, $"<text class=\"value\" transform=\"translate({cx + 4:F1},{Y(Math.Min(1, b.Mean + b.Std)) - 6:F1}) rotate(-90)\" text-anchor=\"start\">{b.Mean:F2}</text>\n");
                i++;
            }
            // The group's label is centred under its bars, breaks at " · " and wraps to the group's width
            // (its bars and the gap after them), so that long configuration names do not run into the next group's.
            var centre = (start + Left + (slot * i)) / 2;
            var lines = LabelLines(group.Label, (int)(slot * (group.Bars.Count + 1) / CharWidth));
            for (var l = 0; l < lines.Count; l++)
                svg.Append(Inv, $"<text class=\"tick\" x=\"{centre:F1}\" y=\"{Top + PlotHeight + 18 + (l * 14)}\" text-anchor=\"middle\">{Esc(lines[l])}</text>\n");
            i++;
        }
        var legend = groups.SelectMany(g => g.Bars).Select(b => (b.Label, b.Colour)).Distinct().ToList();
        Legend(svg, legend, groups.Count > 0 && groups.Any(g => g.Bars.Count > 0) ? $"whiskers: ±1 std over {groups.SelectMany(g => g.Bars).Max(b => b.Folds)} folds" : null, plotWidth);
        return End(svg);
    }

    /// <summary>The tick font's (11 px DejaVu Sans) mean advance per character, for wrapping labels.</summary>
    internal const double CharWidth = 6.6;

    /// <summary>The rows between the plot and the x axis' title hold at most this many label lines.</summary>
    internal const int MaxLabelLines = 4;

    /// <summary>
    /// A group label as its lines: split at " · ", each part wrapped at spaces to <paramref name="maxChars"/>;
    /// past <see cref="MaxLabelLines"/> the last line ends in "…" (the bars' tooltips keep the whole label).
    /// </summary>
    internal static IReadOnlyList<string> LabelLines(string label, int maxChars)
    {
        maxChars = Math.Max(8, maxChars);
        var lines = new List<string>();
        foreach (var part in label.Split(" · "))
        {
            var line = "";
            foreach (var word in part.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > maxChars)
                {
                    lines.Add(line);
                    line = word;
                }
                else line = line.Length == 0 ? word : $"{line} {word}";
            }
            lines.Add(line);
        }
        if (lines.Count <= MaxLabelLines) return lines;
        var last = lines[MaxLabelLines - 1];
        return [.. lines.Take(MaxLabelLines - 1), (last.Length >= maxChars ? last[..(maxChars - 1)] : last) + "…"];
    }

    private static StringBuilder Begin(string title, string yTitle, string xTitle, int plotWidth = PlotWidth)
    {
        var width = Left + plotWidth + Right;
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Height}\" viewBox=\"0 0 {width} {Height}\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"12\">\n");
        svg.Append("<style>.tick{fill:#333;font-size:11px}.value{fill:#111;font-size:11px}.axis-title{fill:#111;font-size:13px}.title{font-size:15px;font-weight:bold}</style>\n");
        svg.Append(Inv, $"<rect width=\"{width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(Inv, $"<text class=\"title\" x=\"{width / 2}\" y=\"24\" text-anchor=\"middle\">{Esc(title)}</text>\n");
        for (var t = 0; t <= 10; t += 2)
        {
            var v = t / 10.0;
            svg.Append(Inv, $"<line x1=\"{Left}\" y1=\"{Y(v):F1}\" x2=\"{Left + plotWidth}\" y2=\"{Y(v):F1}\" stroke=\"{(t == 0 ? "#333" : "#ddd")}\"/>");
            svg.Append(Inv, $"<text class=\"tick\" x=\"{Left - 8}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{v:F1}</text>\n");
        }
        svg.Append(Inv, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + PlotHeight}\" stroke=\"#333\"/>\n");
        svg.Append(Inv, $"<text class=\"axis-title\" transform=\"translate(20,{Top + (PlotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{Esc(yTitle)}</text>\n");
        svg.Append(Inv, $"<text class=\"axis-title\" x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Esc(xTitle)}</text>\n");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static void Whisker(StringBuilder svg, double x, double mean, double std)
    {
        if (std <= 0) return;
        var (hi, lo) = (Y(mean + std), Y(mean - std));
        svg.Append(Inv, $"<path class=\"error-bar\" d=\"M{x:F1},{hi:F1}V{lo:F1}M{x - 7:F1},{hi:F1}H{x + 7:F1}M{x - 7:F1},{lo:F1}H{x + 7:F1}\" stroke=\"#111\" stroke-width=\"1.5\" fill=\"none\"/>\n");
    }

    private static void Legend(StringBuilder svg, IReadOnlyList<(string Name, string Colour)> entries, string? note, int plotWidth = PlotWidth)
    {
        var x = Left + plotWidth + 16;
        var y = Top + 6;
        svg.Append(Inv, $"<g class=\"legend\"><text class=\"axis-title\" x=\"{x}\" y=\"{y}\">legend</text>\n");
        foreach (var (name, colour) in entries)
        {
            y += 20;
            svg.Append(Inv, $"<rect x=\"{x}\" y=\"{y - 10}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text class=\"tick\" x=\"{x + 18}\" y=\"{y}\">{Esc(name)}</text>\n");
        }
        if (note is not null) svg.Append(Inv, $"<text class=\"tick\" x=\"{x}\" y=\"{y + 26}\">{Esc(note)}</text>\n");
        svg.Append("</g>\n");
    }

    private static double Y(double value) => Top + PlotHeight - (Math.Clamp(value, 0, 1) * PlotHeight);

    private static string Esc(string text) => SecurityElement.Escape(text);
}
