using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// The comparison as report.json (every run and the per-set summaries), report.md (tables with
/// mean ± std over folds, and the synthetic-only/real-only Dice ratio the paper's claim is about)
/// and SVG charts with axes, tick values and a legend (Dice per set with ±1 std whiskers; the
/// small-data curve when there is one), see <see cref="SvgChart"/>.
/// </summary>
public static class EvaluationReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    // Colour per set family, the same in both charts and named in the Markdown.
    private static readonly (string Family, string Colour, string Name)[] Palette =
    [
        ("real", "#1f77b4", "blue"),
        ("synthetic-raw", "#ff7f0e", "orange"),
        ("synthetic-styled", "#2ca02c", "green"),
        ("real+synthetic-raw", "#d62728", "red"),
        ("real+synthetic-styled", "#9467bd", "purple"),
    ];

    public static void Write(string directory, string title, IReadOnlyList<EvaluationResult> results, object settings)
    {
        Directory.CreateDirectory(directory);
        var summary = SetSummary.From(results);
        File.WriteAllText(Path.Combine(directory, "report.json"), JsonSerializer.Serialize(new { title, settings, summary, runs = results }, Json));
        var full = summary.Where(s => s.RealImages is null).ToList();
        var curve = summary.Where(s => s.RealImages is not null).ToList();
        File.WriteAllText(Path.Combine(directory, "dice.svg"), DiceChart(full));
        if (curve.Count > 0) File.WriteAllText(Path.Combine(directory, "small-data.svg"), CurveChart(curve));
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(title, full, curve, results, settings));
    }

    public static string Markdown(string title, IReadOnlyList<SetSummary> full, IReadOnlyList<SetSummary> curve, IReadOnlyList<EvaluationResult> results, object settings)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine($"# {title}").AppendLine();
        sb.AppendLine("Test scores on held-out **real** images, per image at threshold 0.5 on the polyp channel, averaged per fold; mean ± std over folds.").AppendLine();
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
        sb.AppendLine().AppendLine("![Dice per training set](dice.svg)").AppendLine();
        sb.AppendLine("Bars left to right as in the table; colours: " + string.Join(", ", Palette.Select(p => $"{p.Family} {p.Name}")) + "; whiskers ±1 std.");
        if (curve.Count > 0)
        {
            sb.AppendLine().AppendLine("![Small-data curve](small-data.svg)").AppendLine();
            sb.AppendLine("Dice against the number of real training images N (" +
                string.Join(", ", curve.Select(c => c.RealImages).Distinct()) + "); a line per set, whiskers ±1 std.");
        }
        sb.AppendLine().AppendLine("## Runs").AppendLine();
        sb.AppendLine("| run | train pairs | val / test images | best epoch | val IoU | test Dice | seconds |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results.OrderBy(r => r.Key, StringComparer.Ordinal))
            sb.AppendLine(string.Create(inv, $"| {r.Key} | {r.TrainPairs} | {r.ValidationImages} / {r.TestImages} | {r.BestEpoch} | {r.BestValidationIou:F3} | {r.Test.Dice:F3} | {r.Seconds:F0} |"));
        sb.AppendLine().AppendLine("Settings: `" + JsonSerializer.Serialize(settings) + "`");
        return sb.ToString();
    }

    private static string ColourOf(string set) =>
        Palette.FirstOrDefault(p => p.Family == set.Split('@')[0]).Colour is { Length: > 0 } c ? c : "#7f7f7f";

    /// <summary>Dice per training set: bars with ±1 std whiskers over the folds, the mean written on each.</summary>
    public static string DiceChart(IReadOnlyList<SetSummary> sets) => SvgChart.Bars(
        "UNet++ test Dice on held-out real images", "Dice (mean over folds)", "training set",
        [.. sets.Select(s => new SvgChart.Bar(s.Set, ColourOf(s.Set), s.Dice.Mean, s.Dice.Std, s.Dice.Folds))]);

    /// <summary>Dice against the number of real training images, a line per set family.</summary>
    public static string CurveChart(IReadOnlyList<SetSummary> points) => SvgChart.Lines(
        "Small-data curve: Dice vs real training images", "Dice (mean over folds)", "real training images N",
        [.. points.GroupBy(p => p.Set.Split('@')[0]).Select(family => new SvgChart.Series(family.Key, ColourOf(family.Key),
            [.. family.Select(p => new SvgChart.Point(p.RealImages!.Value, p.Dice.Mean, p.Dice.Std))]))]);
}
