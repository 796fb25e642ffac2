using System.Globalization;
using System.Text;
using System.Text.Json;
using SinGanSeg.Core.Evaluation;

namespace SinGanSeg.Bench;

/// <summary>
/// Two datasets judged on the same splits (same real pairs, folds, seeds, steps and evaluator size):
/// per evaluator and training set, dataset B's Dice minus dataset A's on the same fold of the same
/// split, with the 95 % interval of the mean over every fold of every split. The real-only runs train
/// on the same pairs in both evaluations, so they must agree; a report that says how far they differ
/// tells whether the two evaluations can be paired at all (another host or other settings break that).
/// </summary>
public static class DatasetComparison
{
    public sealed record Row(string Model, string Set, int Folds, double MeanA, double MeanB, double ShareA, double ShareB, PairedDifference? BMinusA);

    public sealed record Result(string LabelA, string LabelB, IReadOnlyList<Row> Rows, IReadOnlyDictionary<string, double> RealOnlyMaxDifference);

    public static Result Run(string reportA, string reportB, string labelA, string labelB) => Run([reportA], [reportB], labelA, labelB);

    /// <summary>The i-th report of A and the i-th of B judged the same split; their folds are pooled.</summary>
    public static Result Run(IReadOnlyList<string> reportsA, IReadOnlyList<string> reportsB, string labelA, string labelB)
    {
        if (reportsA.Count == 0 || reportsA.Count != reportsB.Count)
            throw new ArgumentException($"give one report of each dataset per split, in the same order: {reportsA.Count} for {labelA}, {reportsB.Count} for {labelB}");
        for (var i = 0; i < reportsA.Count; i++) SameSplit(i, reportsA[i], reportsB[i]);
        var a = reportsA.SelectMany((report, split) => QualityStudy.ReadRuns(report).Select(r => (Split: split, Run: r))).ToList();
        var b = reportsB.SelectMany((report, split) => QualityStudy.ReadRuns(report).Select(r => (Split: split, Run: r))).ToList();
        var rows = new List<Row>();
        var realGap = new Dictionary<string, double>();
        foreach (var model in a.Select(r => r.Run.Model).Distinct().Where(m => b.Any(r => r.Run.Model == m)))
        {
            var ofA = a.Where(r => r.Run.Model == model).ToDictionary(r => (r.Run.Set, r.Split, r.Run.Fold), r => r.Run.Dice);
            var ofB = b.Where(r => r.Run.Model == model).ToDictionary(r => (r.Run.Set, r.Split, r.Run.Fold), r => r.Run.Dice);
            var realFolds = ofA.Keys.Where(k => k.Set == TrainingSets.Real && ofB.ContainsKey(k)).ToList();
            if (realFolds.Count == 0)
                throw new InvalidDataException($"{model}: the reports share no real-only fold; compare evaluations of the same splits (same --seed, --folds and real pairs)");
            realGap[model] = realFolds.Max(k => Math.Abs(ofA[k] - ofB[k]));
            var realA = realFolds.Average(k => ofA[k]);
            var realB = realFolds.Average(k => ofB[k]);
            foreach (var set in ofA.Keys.Select(k => k.Set).Distinct().Where(s => s != TrainingSets.Real).OrderBy(TrainingSets.Rank))
            {
                var folds = ofA.Keys.Where(k => k.Set == set && ofB.ContainsKey(k)).OrderBy(k => k.Split).ThenBy(k => k.Fold).ToList();
                if (folds.Count == 0) continue;
                double meanA = folds.Average(k => ofA[k]), meanB = folds.Average(k => ofB[k]);
                rows.Add(new Row(model, set, folds.Count, meanA, meanB, meanA / realA, meanB / realB,
                    PairedDifference.Of([.. folds.Select(k => ofB[k] - ofA[k])])));
            }
        }
        if (rows.Count == 0) throw new InvalidDataException("the reports share no evaluator, set and fold beyond real-only");
        return new Result(labelA, labelB, rows, realGap);
    }

    /// <summary>
    /// The settings that define a split and its evaluator; a pair of reports that differs in one was
    /// given in the wrong order or made otherwise. Checked where both reports record the field.
    /// </summary>
    private static readonly string[] SplitFields = ["seed", "folds", "imageSize", "epochs", "learningRate", "steps"];

    private static void SameSplit(int index, string reportA, string reportB)
    {
        var (a, b) = (SplitSettings(reportA), SplitSettings(reportB));
        foreach (var field in SplitFields.Prepend("realImages"))
            if (a.TryGetValue(field, out var va) && b.TryGetValue(field, out var vb) && va != vb)
                throw new InvalidDataException($"split {index + 1}: {reportA} has {field} {va} but {reportB} has {vb}; " +
                    "give the reports of each split in the same order in --a and --b (same --seed, --folds, --image-size, --epochs, --learning-rate, --steps and real pairs)");
    }

    /// <summary>The report's recorded split settings, as JSON text (absent and null fields left out).</summary>
    private static Dictionary<string, string> SplitSettings(string reportJson)
    {
        var found = new Dictionary<string, string>();
        if (!File.Exists(reportJson)) return found;   // ReadRuns names the missing file
        using var doc = JsonDocument.Parse(File.ReadAllText(reportJson));
        if (!doc.RootElement.TryGetProperty("settings", out var outer) || outer.ValueKind != JsonValueKind.Object) return found;
        if (outer.TryGetProperty("realImages", out var real) && real.ValueKind == JsonValueKind.Number) found["realImages"] = real.GetRawText();
        if (outer.TryGetProperty("settings", out var inner) && inner.ValueKind == JsonValueKind.Object)
            foreach (var field in SplitFields)
                if (inner.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null) found[field] = v.GetRawText();
        return found;
    }

    public static string Markdown(Result result)
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"| evaluator | training set | folds | {result.LabelA} | {result.LabelB} | share of its real-only ({result.LabelA} / {result.LabelB}) | {result.LabelB} minus {result.LabelA}, mean ± std | 95 % CI of the mean | folds {result.LabelB} ≥ {result.LabelA} |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | --- | --- | --- | ---: |");
        foreach (var r in result.Rows)
        {
            var d = r.BMinusA;
            var difference = d is null ? "– | – | –" : string.Create(c, $"{PairedDifference.Signed(d.Mean)} ± {d.Std:F3} | {PairedDifference.Signed(d.Low)} … {PairedDifference.Signed(d.High)} | {d.FoldsAtOrAbove}/{d.Folds}");
            md.AppendLine(c, $"| {r.Model} | {r.Set} | {r.Folds} | {r.MeanA:F3} | {r.MeanB:F3} | {r.ShareA * 100:F0} % / {r.ShareB * 100:F0} % | {difference} |");
        }
        md.AppendLine();
        foreach (var (model, gap) in result.RealOnlyMaxDifference)
            md.AppendLine(gap == 0
                ? $"- {model}: the real-only runs of the two evaluations agree to the bit on every fold, so the pairing holds."
                : string.Create(c, $"- {model}: the real-only runs of the two evaluations differ by up to {gap:F4} Dice: they were not made on the same split, settings or host, and the pairing is only approximate."));
        return md.ToString();
    }

}
