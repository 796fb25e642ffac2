using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// The comparison as report.json (every run and the per-model, per-set summaries), report.md
/// (tables with mean ± std over folds per model, side by side when there are several, and the
/// synthetic-only/real-only Dice ratio the paper's claim is about) and SVG charts per model with
/// axis titles, tick values and a legend (<see cref="SvgChart"/>: Dice per set with ±1 std whiskers;
/// the small-data curve when there is one).
/// </summary>
public static class EvaluationReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Write(string directory, string title, IReadOnlyList<EvaluationResult> results, object settings)
    {
        Directory.CreateDirectory(directory);
        var summary = SetSummary.From(results);
        // Per model and set (not real-only), paired with real-only fold by fold; the small-data curve's sets with their own real@N.
        var paired = summary.Where(s => s.Set != TrainingSets.RealOf(s.Set))
            .Select(s => (s.Model, s.Set, Difference: Paired(results, s.Model, s.Set)))
            .Where(p => p.Difference is not null)
            .Select(p => new { model = p.Model, set = p.Set, dice = p.Difference })
            .ToList();
        File.WriteAllText(Path.Combine(directory, "report.json"), JsonSerializer.Serialize(new { title, settings, summary, paired, runs = results }, Json));
        var models = summary.Select(s => s.Model).Distinct().ToList();
        foreach (var model in models)
        {
            var full = summary.Where(s => s.Model == model && s.RealImages is null).ToList();
            var curve = summary.Where(s => s.Model == model && s.RealImages is not null).ToList();
            File.WriteAllText(Path.Combine(directory, ChartName("dice", model, models)), DiceChart(full, SegmentationModelsName(model)));
            if (curve.Count > 0) File.WriteAllText(Path.Combine(directory, ChartName("small-data", model, models)), CurveChart(curve, SegmentationModelsName(model)));
        }
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(title, summary, results, settings));
    }

    /// <summary>The first model's chart keeps the plain name (dice.svg); others carry the model (dice-unet.svg).</summary>
    public static string ChartName(string chart, string model, IReadOnlyList<string> models) =>
        model == models[0] ? $"{chart}.svg" : $"{chart}-{model}.svg";

    public static string Markdown(string title, IReadOnlyList<SetSummary> summary, IReadOnlyList<EvaluationResult> results, object settings)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var models = summary.Select(s => s.Model).Distinct().ToList();
        sb.AppendLine($"# {title}").AppendLine();
        sb.AppendLine("Test scores on held-out **real** images, per image at threshold 0.5 on the polyp channel, averaged per fold; mean ± std over folds. " +
            "Every model trains on the same folds and sets, and every run takes the same number of gradient steps " +
            string.Create(inv, $"({string.Join(", ", results.Select(r => r.Steps).Distinct().Order())}), so a small set is not under-trained against a large one.")).AppendLine();
        var hosts = results.GroupBy(r => r.Host ?? "not recorded").OrderByDescending(g => g.Count()).ToList();
        sb.AppendLine("Ran on: " + string.Join("; ", hosts.Select(h => string.Create(inv, $"{h.Key} ({h.Count()} runs)"))) + "." +
            (hosts.Count > 1 ? " Runs on different machines are not comparable bit for bit (libtorch's kernels differ by instruction set): compare sets only within a fold run on one machine." : "")).AppendLine();
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
                    var real = summary.FirstOrDefault(x => x.Model == m && x.Set == TrainingSets.RealOf(set));
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
            var real = full.FirstOrDefault(s => s.Set == TrainingSets.Real);
            if (real is not null && real.Dice.Mean > 0)
            {
                sb.AppendLine().AppendLine("Dice relative to real-only (targets for a dataset to share: synthetic-only ≥ 90 %, real + synthetic ≥ 100 %); " +
                    "then the paired difference: the set's Dice minus real-only's on the same fold, mean ± std over folds and the 95 % confidence interval of that mean:").AppendLine();
                foreach (var s in full.Where(s => s.Set != TrainingSets.Real))
                {
                    var paired = Paired(results, model, s.Set);
                    sb.AppendLine(string.Create(inv, $"- {s.Set}: {s.Dice.Mean / real.Dice.Mean * 100:F1} %") + (paired is null ? "" : $"; paired {paired}"));
                }
            }
            sb.AppendLine().AppendLine($"![Dice per training set]({ChartName("dice", model, models)})").AppendLine();
            sb.AppendLine("Bars left to right as in the table; colours: " + string.Join(", ", TrainingSets.Families.Where(p => full.Concat(curve).Any(s => TrainingSets.FamilyOf(s.Set) == p.Family)).Select(p => $"{p.Family} {p.ColourName}")) + "; whiskers ±1 std.");
            if (curve.Count > 0)
            {
                sb.AppendLine().AppendLine($"![Small-data curve]({ChartName("small-data", model, models)})").AppendLine();
                sb.AppendLine("Dice against the number of real training images N (" +
                    string.Join(", ", curve.Select(c => c.RealImages).Distinct()) + "); a line per set, whiskers ±1 std.");
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

    /// <summary>A set's paired difference with real-only over the folds where both ran (null for fewer than two).</summary>
    public static PairedDifference? Paired(IReadOnlyList<EvaluationResult> results, string model, string set)
    {
        var real = results.Where(r => r.Model == model && r.Set == TrainingSets.RealOf(set)).ToDictionary(r => r.Fold, r => r.Test.Dice);
        return PairedDifference.Of([.. results.Where(r => r.Model == model && r.Set == set && real.ContainsKey(r.Fold)).Select(r => r.Test.Dice - real[r.Fold])]);
    }

    private static string SegmentationModelsName(string model) => Segmentation.SegmentationModels.DisplayName(model);

    /// <summary>Dice per training set: bars with ±1 std whiskers over the folds, the mean written on each.</summary>
    public static string DiceChart(IReadOnlyList<SetSummary> sets, string model) => SvgChart.Bars(
        $"{model} test Dice on held-out real images", "Dice (mean over folds)", "training set",
        [.. sets.Select(s => new SvgChart.Bar(s.Set, TrainingSets.ColourOf(s.Set), s.Dice.Mean, s.Dice.Std, s.Dice.Folds))]);

    /// <summary>Dice against the number of real training images, a line per set family.</summary>
    public static string CurveChart(IReadOnlyList<SetSummary> points, string model) => SvgChart.Lines(
        $"{model} small-data curve: Dice vs real training images", "Dice (mean over folds)", "real training images N",
        [.. points.GroupBy(p => TrainingSets.FamilyOf(p.Set)).Select(family => new SvgChart.Series(family.Key, TrainingSets.ColourOf(family.Key),
            [.. family.Select(p => new SvgChart.Point(p.RealImages!.Value, p.Dice.Mean, p.Dice.Std))]))]);
}
