using System.Globalization;
using System.Text;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// The comparison as report.json (every run and the per-model, per-set summaries), report.md
/// (tables with mean ± std over folds per model, side by side when there are several, and the
/// synthetic-only/real-only Dice ratio the paper's claim is about) and PNG charts per model (Dice
/// per set with ±1 std whiskers; the small-data curve when there is one).
/// </summary>
public static class EvaluationReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    // Colour per set family, the same in both charts and named in the Markdown.
    private static readonly (string Family, Rgb24 Colour, string Name)[] Palette =
    [
        ("real", new Rgb24(31, 119, 180), "blue"),
        ("synthetic-raw", new Rgb24(255, 127, 14), "orange"),
        ("synthetic-styled", new Rgb24(44, 160, 44), "green"),
        ("real+synthetic-raw", new Rgb24(214, 39, 40), "red"),
        ("real+synthetic-styled", new Rgb24(148, 103, 189), "purple"),
    ];

    public static void Write(string directory, string title, IReadOnlyList<EvaluationResult> results, object settings)
    {
        Directory.CreateDirectory(directory);
        var summary = SetSummary.From(results);
        File.WriteAllText(Path.Combine(directory, "report.json"), JsonSerializer.Serialize(new { title, settings, summary, runs = results }, Json));
        var models = summary.Select(s => s.Model).Distinct().ToList();
        foreach (var model in models)
        {
            var full = summary.Where(s => s.Model == model && s.RealImages is null).ToList();
            var curve = summary.Where(s => s.Model == model && s.RealImages is not null).ToList();
            DiceChart(full, Path.Combine(directory, ChartName("dice", model, models)));
            if (curve.Count > 0) CurveChart(curve, Path.Combine(directory, ChartName("small-data", model, models)));
        }
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(title, summary, results, settings));
    }

    /// <summary>The first model's chart keeps the plain name (dice.png); others carry the model (dice-unet.png).</summary>
    public static string ChartName(string chart, string model, IReadOnlyList<string> models) =>
        model == models[0] ? $"{chart}.png" : $"{chart}-{model}.png";

    public static string Markdown(string title, IReadOnlyList<SetSummary> summary, IReadOnlyList<EvaluationResult> results, object settings)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var models = summary.Select(s => s.Model).Distinct().ToList();
        sb.AppendLine($"# {title}").AppendLine();
        sb.AppendLine("Test scores on held-out **real** images, per image at threshold 0.5 on the polyp channel, averaged per fold; mean ± std over folds. " +
            "Every model trains on the same folds and sets, and every run takes the same number of gradient steps " +
            string.Create(inv, $"({string.Join(", ", results.Select(r => r.Steps).Distinct().Order())}), so a small set is not under-trained against a large one.")).AppendLine();
        if (models.Count > 1)
        {
            sb.AppendLine("## Dice by model").AppendLine();
            sb.AppendLine("| training set | " + string.Join(" | ", models.Select(SegmentationModelsName)) + " |");
            sb.AppendLine("| --- |" + string.Concat(models.Select(_ => " --- |")));
            foreach (var set in summary.Select(s => s.Set).Distinct())
            {
                var cells = models.Select(m =>
                {
                    var s = summary.FirstOrDefault(x => x.Model == m && x.Set == set);
                    var real = summary.FirstOrDefault(x => x.Model == m && x.Set == RealOf(set));
                    if (s is null) return "—";
                    return real is not null && real.Dice.Mean > 0 && real != s
                        ? string.Create(inv, $"{s.Dice} ({s.Dice.Mean / real.Dice.Mean * 100:F0} % of real)")
                        : s.Dice.ToString();
                });
                sb.AppendLine($"| {set} | {string.Join(" | ", cells)} |");
            }
            sb.AppendLine();
        }
        foreach (var model in models)
        {
            var full = summary.Where(s => s.Model == model && s.RealImages is null).ToList();
            var curve = summary.Where(s => s.Model == model && s.RealImages is not null).ToList();
            sb.AppendLine($"## {SegmentationModelsName(model)}").AppendLine();
            sb.AppendLine("| training set | pairs per fold | Dice | IoU | precision | recall | accuracy |");
            sb.AppendLine("| --- | ---: | --- | --- | --- | --- | --- |");
            foreach (var s in full.Concat(curve))
                sb.AppendLine(string.Create(inv, $"| {s.Set} | {s.TrainPairsPerFold:F0} | {s.Dice} | {s.Iou} | {s.Precision} | {s.Recall} | {s.Accuracy} |"));
            var real = full.FirstOrDefault(s => s.Set == "real");
            if (real is not null && real.Dice.Mean > 0)
            {
                sb.AppendLine().AppendLine("Dice relative to real-only (the paper's claim; target ≥ 95 % for synthetic-only):").AppendLine();
                foreach (var s in full.Where(s => s.Set != "real"))
                    sb.AppendLine(string.Create(inv, $"- {s.Set}: {s.Dice.Mean / real.Dice.Mean * 100:F1} %"));
            }
            sb.AppendLine().AppendLine($"![Dice per training set]({ChartName("dice", model, models)})").AppendLine();
            sb.AppendLine("Bars left to right as in the table; colours: " + string.Join(", ", Palette.Select(p => $"{p.Family} {p.Name}")) + "; whiskers ±1 std.");
            if (curve.Count > 0)
            {
                sb.AppendLine().AppendLine($"![Small-data curve]({ChartName("small-data", model, models)})").AppendLine();
                sb.AppendLine("Dice (0 at the bottom, 1 at the top) against the number of real training images N (left to right: " +
                    string.Join(", ", curve.Select(c => c.RealImages).Distinct()) + "); lines by set colour.");
            }
            sb.AppendLine();
        }
        sb.AppendLine("## Runs").AppendLine();
        sb.AppendLine("| run | model | train pairs | val / test images | steps | best round | val IoU | test Dice | seconds |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results.OrderBy(r => r.Key, StringComparer.Ordinal))
            sb.AppendLine(string.Create(inv, $"| {r.Key} | {r.Model} | {r.TrainPairs} | {r.ValidationImages} / {r.TestImages} | {r.Steps} | {r.BestEpoch} | {r.BestValidationIou:F3} | {r.Test.Dice:F3} | {r.Seconds:F0} |"));
        sb.AppendLine().AppendLine("Settings: `" + JsonSerializer.Serialize(settings) + "`");
        return sb.ToString();
    }

    private static string SegmentationModelsName(string model) => Segmentation.SegmentationModels.DisplayName(model);

    // The real-only set a set is compared with: "real" for the full sets, "real@N" on the small-data curve.
    private static string RealOf(string set) => set.Contains('@') ? "real@" + set.Split('@')[1] : "real";

    private static Rgb24 ColourOf(string set) =>
        Palette.FirstOrDefault(p => p.Family == set.Split('@')[0]).Colour is var c && c != default ? c : new Rgb24(127, 127, 127);

    private static void DiceChart(IReadOnlyList<SetSummary> sets, string path)
    {
        const int w = 480, h = 300, margin = 20, bar = 50;
        using var image = Canvas(w, h);
        var x = margin + 10;
        foreach (var s in sets)
        {
            var colour = ColourOf(s.Set);
            var top = Y(s.Dice.Mean, h, margin);
            Fill(image, x, top, x + bar, h - margin, colour);
            var (hi, lo) = (Y(s.Dice.Mean + s.Dice.Std, h, margin), Y(s.Dice.Mean - s.Dice.Std, h, margin));
            Fill(image, x + bar / 2 - 1, hi, x + bar / 2 + 1, lo, new Rgb24(0, 0, 0));
            Fill(image, x + bar / 2 - 8, hi, x + bar / 2 + 8, hi + 1, new Rgb24(0, 0, 0));
            Fill(image, x + bar / 2 - 8, lo - 1, x + bar / 2 + 8, lo, new Rgb24(0, 0, 0));
            x += bar + 20;
        }
        image.SaveAsPng(path);
    }

    private static void CurveChart(IReadOnlyList<SetSummary> points, string path)
    {
        const int w = 480, h = 300, margin = 20;
        using var image = Canvas(w, h);
        var sizes = points.Select(p => p.RealImages!.Value).Distinct().Order().ToList();
        int X(int n) => sizes.Count == 1 ? w / 2 : margin + 10 + sizes.IndexOf(n) * (w - 2 * margin - 20) / (sizes.Count - 1);
        foreach (var family in points.GroupBy(p => p.Set.Split('@')[0]))
        {
            var colour = ColourOf(family.Key);
            var line = family.OrderBy(p => p.RealImages).Select(p => (X(p.RealImages!.Value), Y(p.Dice.Mean, h, margin))).ToList();
            for (var i = 1; i < line.Count; i++) Line(image, line[i - 1], line[i], colour);
            foreach (var (px, py) in line) Fill(image, px - 3, py - 3, px + 3, py + 3, colour);
        }
        image.SaveAsPng(path);
    }

    private static Image<Rgb24> Canvas(int w, int h)
    {
        var image = new Image<Rgb24>(w, h, new Rgb24(255, 255, 255));
        const int margin = 20;
        for (var t = 0; t <= 10; t++)
        {
            var y = Y(t / 10.0, h, margin);
            Fill(image, margin, y, w - margin, y + 1, t % 5 == 0 ? new Rgb24(150, 150, 150) : new Rgb24(225, 225, 225));
        }
        return image;
    }

    private static int Y(double value, int h, int margin) => (int)Math.Round(h - margin - Math.Clamp(value, 0, 1) * (h - 2 * margin));

    private static void Fill(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 colour)
    {
        for (var y = Math.Max(0, Math.Min(y0, y1)); y < Math.Min(image.Height, Math.Max(y0, y1)); y++)
            for (var x = Math.Max(0, x0); x < Math.Min(image.Width, x1); x++)
                image[x, y] = colour;
    }

    private static void Line(Image<Rgb24> image, (int X, int Y) a, (int X, int Y) b, Rgb24 colour)
    {
        var steps = Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y));
        for (var i = 0; i <= steps; i++)
        {
            var x = a.X + (b.X - a.X) * i / Math.Max(steps, 1);
            var y = a.Y + (b.Y - a.Y) * i / Math.Max(steps, 1);
            Fill(image, x - 1, y - 1, x + 2, y + 2, colour);
        }
    }
}
