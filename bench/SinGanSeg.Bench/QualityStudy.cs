using System.Globalization;
using System.Text;
using System.Text.Json;
using SinGanSeg.Core.Evaluation;

namespace SinGanSeg.Bench;

/// <summary>
/// Issue 16's study (docs/QUALITY.md): reads each configuration's evaluation reports (one per
/// evaluator, or one with both) and its dataset, and writes one table and one figure per
/// evaluator: Dice per training set per configuration, against training time per image. The
/// real-only set is trained again in every report (same folds, seed and steps), so each
/// configuration is compared with its own real-only runs, fold by fold: the paired difference
/// removes the fold-to-fold spread that the per-set std carries. Configurations judged on several
/// splits can be pooled (study.json's "pools").
/// </summary>
public static class QualityStudy
{
    /// <summary>
    /// One configuration: its label, the dataset folder and its evaluation reports (a folder holding
    /// report.json, or a copy of one kept in bench/results).
    /// </summary>
    /// <param name="NotTimed">
    /// Models (source image names) whose scale times are not the preset's cost: they trained while the
    /// job was stopped (SIGSTOP) or beside builds and tests, which a scale's wall time cannot tell apart.
    /// The cost row averages the other models and says how many; the note says why each is left out.
    /// </param>
    public sealed record Configuration(string Label, string Dataset, IReadOnlyList<string> Reports, string? Note = null, IReadOnlyList<string>? NotTimed = null);

    /// <param name="Saved">
    /// A result saved by an earlier run of the study (--save): a configuration whose dataset folder
    /// is gone (runs/ is not kept) takes its cost row from there, under the same label.
    /// </param>
    /// <param name="Pools">
    /// Configurations judged on several splits (other folds and initial weights, the same dataset),
    /// pooled: every fold of every member, each paired with its own split's real-only run.
    /// </param>
    public sealed record Study(string Title, IReadOnlyList<Configuration> Configurations, string? Saved = null, IReadOnlyList<Pool>? Pools = null);

    /// <summary>A pooled row group: its label and the labels of the configurations (splits) it pools.</summary>
    public sealed record Pool(string Label, IReadOnlyList<string> Configurations);

    public sealed record SetResult(string Configuration, string Model, string Set, int Folds, double PairsPerFold, double Mean, double Std,
        double? ShareOfReal, PairedDifference? Paired);

    /// <param name="CopyFlagged">Samples in the dataset that the copy check flagged (kept under report; none are left under regenerate or drop).</param>
    /// <param name="QualityFlagged">The same for the quality gate.</param>
    /// <param name="TimedModels">The models the training time averages over, when some were left out (<see cref="Configuration.NotTimed"/>); null when all.</param>
    public sealed record ConfigurationCost(string Configuration, int Images, int Pairs, double TrainingSecondsPerImage, int CopyFlagged, int QualityFlagged,
        int? TimedModels = null, int? Models = null);

    /// <param name="Pooled">The pools' rows (Configuration = the pool's label), for the evaluators every member was judged by.</param>
    /// <param name="Pools">The study's pools (which configurations each pools), for the figures.</param>
    public sealed record Result(string Title, IReadOnlyList<ConfigurationCost> Costs, IReadOnlyList<SetResult> Sets, IReadOnlyList<SetResult>? Pooled = null,
        IReadOnlyList<Pool>? Pools = null);

    public static Result Run(string studyFile)
    {
        var study = JsonSerializer.Deserialize<Study>(File.ReadAllText(studyFile), BenchJson.Options)
            ?? throw new InvalidDataException($"{studyFile}: not a study file (title, configurations)");
        // Paths in the study file are relative to the repository (runs/ is where the study's data lives).
        string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Args.RepoRoot(), path));
        var saved = study.Saved is { } savedFile
            ? JsonSerializer.Deserialize<Result>(File.ReadAllText(Resolve(savedFile)), BenchJson.Options)?.Costs ?? []
            : [];
        var costs = new List<ConfigurationCost>();
        var sets = new List<SetResult>();
        var runsOf = new Dictionary<string, List<FoldRun>>();
        foreach (var config in study.Configurations)
        {
            var dataset = Resolve(config.Dataset);
            costs.Add(Directory.Exists(dataset) ? Cost(config.Label, dataset, config.NotTimed ?? [])
                : saved.FirstOrDefault(c => c.Configuration == config.Label)
                  ?? throw new DirectoryNotFoundException($"{dataset}: the dataset of '{config.Label}' is gone and no saved result (\"saved\" in {studyFile}) holds its cost; run its step of bench/evaluation/study.sh again"));
            var runs = config.Reports.Select(Resolve).SelectMany(r => ReadRuns(r.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? r : Path.Combine(r, "report.json"))).ToList();
            runsOf[config.Label] = runs;
            sets.AddRange(Compare(config.Label, [.. runs.Select(r => (config.Label, r))]));
        }
        var pooled = new List<SetResult>();
        foreach (var pool in study.Pools ?? [])
        {
            var missing = pool.Configurations.Where(c => !runsOf.ContainsKey(c)).ToList();
            if (pool.Configurations.Count < 2 || missing.Count > 0)
                throw new InvalidDataException($"{studyFile}: pool '{pool.Label}' must name two or more configurations of the study" +
                    (missing.Count > 0 ? $"; not found: {string.Join(", ", missing.Select(m => $"'{m}'"))}" : ""));
            // Only the evaluators that judged every split: a pool of one split's U-Net and two splits' UNet++ would weigh them differently.
            var models = pool.Configurations.Select(c => runsOf[c].Select(r => r.Model).ToHashSet()).Aggregate((x, y) => { x.IntersectWith(y); return x; });
            var runs = pool.Configurations.SelectMany(c => runsOf[c].Where(r => models.Contains(r.Model)).Select(r => (c, r))).ToList();
            pooled.AddRange(Compare(pool.Label, runs));
        }
        return new Result(study.Title, costs, sets, pooled, study.Pools);
    }

    /// <summary>
    /// Per evaluator and set: Dice over all folds given, its share of real-only's mean, and the paired
    /// differences with real-only on the same fold of the same split, with the 95 % interval of their mean.
    /// </summary>
    private static IEnumerable<SetResult> Compare(string label, IReadOnlyList<(string Split, FoldRun Run)> runs)
    {
        foreach (var model in runs.Select(r => r.Run.Model).Distinct())
        {
            var ofModel = runs.Where(r => r.Run.Model == model).ToList();
            var real = ofModel.Where(r => r.Run.Set == TrainingSets.Real).ToDictionary(r => (r.Split, r.Run.Fold), r => r.Run.Dice);
            foreach (var set in ofModel.Select(r => r.Run.Set).Distinct().OrderBy(TrainingSets.Rank))
            {
                var folds = ofModel.Where(r => r.Run.Set == set).OrderBy(r => r.Split, StringComparer.Ordinal).ThenBy(r => r.Run.Fold).ToList();
                var dice = Spread.Of([.. folds.Select(f => f.Run.Dice)]);
                double? share = null;
                PairedDifference? paired = null;
                if (set != TrainingSets.Real && real.Count > 0)
                {
                    share = dice.Mean / real.Values.Average();
                    paired = PairedDifference.Of([.. folds.Where(f => real.ContainsKey((f.Split, f.Run.Fold))).Select(f => f.Run.Dice - real[(f.Split, f.Run.Fold)])]);
                }
                yield return new SetResult(label, model, set, folds.Count, folds.Average(f => (double)f.Run.TrainPairs), dice.Mean, dice.Std, share, paired);
            }
        }
    }

    internal sealed record FoldRun(string Model, string Set, int Fold, int TrainPairs, double Dice);

    internal static IEnumerable<FoldRun> ReadRuns(string reportJson)
    {
        if (!File.Exists(reportJson))
            throw new FileNotFoundException($"{reportJson}: no evaluation report; run 'singanseg evaluate' for this configuration first", reportJson);
        using var doc = JsonDocument.Parse(File.ReadAllText(reportJson));
        foreach (var run in doc.RootElement.GetProperty("runs").EnumerateArray())
        {
            // The small-data curve's sets ("real@5") are not part of the study.
            var set = run.GetProperty("set").GetString()!;
            if (set.Contains('@')) continue;
            yield return new FoldRun(run.GetProperty("model").GetString()!, set, run.GetProperty("fold").GetInt32(),
                run.GetProperty("trainPairs").GetInt32(), run.GetProperty("test").GetProperty("dice").GetDouble());
        }
    }

    /// <summary>Training seconds per image from the dataset's model manifests (the sum of its scales' times), without the models named not timed.</summary>
    private static ConfigurationCost Cost(string label, string dataset, IReadOnlyList<string> notTimed)
    {
        var models = Path.Combine(dataset, ".singanseg", "artifacts", "models");
        var trained = Directory.Exists(models)
            ? Directory.GetDirectories(models).Select(d => Path.Combine(d, "manifest.json")).Where(File.Exists)
                .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement)
                .Select(m => (Id: m.GetProperty("modelId").GetString()!, Seconds: m.GetProperty("scales").EnumerateArray().Sum(s => s.GetProperty("seconds").GetDouble()))).ToList()
            : [];
        // A name that matches no model is a typo that would silently leave a disturbed model in the figure.
        var unknown = notTimed.Where(n => !trained.Any(m => m.Id == n)).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"'{label}': notTimed names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which no model in {models} has (its manifest's modelId)");
        var seconds = trained.Where(m => !notTimed.Contains(m.Id)).Select(m => m.Seconds).ToList();
        if (trained.Count > 0 && seconds.Count == 0)
            throw new InvalidDataException($"'{label}': notTimed leaves none of its {trained.Count} models to time");
        var manifest = Path.Combine(dataset, "manifest.jsonl");
        var lines = File.Exists(manifest) ? File.ReadLines(manifest).Where(l => l.Length > 0).ToList() : [];
        var rows = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var images = rows.Select(r => r.GetProperty("sourceImage").GetString()).Distinct().Count();
        static bool Flagged(JsonElement row, string gate) =>
            row.TryGetProperty(gate, out var verdict) && verdict.TryGetProperty("flagged", out var f) && f.GetBoolean();
        return new ConfigurationCost(label, images, lines.Count, seconds.Count > 0 ? seconds.Average() : double.NaN,
            rows.Count(r => Flagged(r, "copyCheck")), rows.Count(r => Flagged(r, "quality")),
            notTimed.Count > 0 ? seconds.Count : null, notTimed.Count > 0 ? trained.Count : null);
    }

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Per evaluator: a row per configuration and set with Dice, its share of real-only and the paired per-fold difference.</summary>
    public static string Markdown(Result result)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| configuration | SinGAN-Seg training s / image (sum of scales) | source images | pairs | copy-flagged | quality-flagged |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in result.Costs)
            sb.AppendLine(Inv, $"| {c.Configuration} | {c.TrainingSecondsPerImage:F0}{(c.TimedModels is { } t ? $" ({t} of {c.Models} models timed)" : "")} | {c.Images} | {c.Pairs} | {c.CopyFlagged} | {c.QualityFlagged} |");
        foreach (var model in result.Sets.Select(s => s.Model).Distinct())
        {
            sb.AppendLine().AppendLine(Inv, $"**{Core.Segmentation.SegmentationModels.DisplayName(model)}**: test Dice on the fixed real test set, mean ± std over folds; paired = this set's Dice minus real-only's on the same fold (mean ± std, folds at or above real-only)").AppendLine();
            SetTable(sb, result.Sets.Where(s => s.Model == model));
        }
        foreach (var model in (result.Pooled ?? []).Select(s => s.Model).Distinct())
        {
            sb.AppendLine().AppendLine(Inv, $"**{Core.Segmentation.SegmentationModels.DisplayName(model)}, splits pooled**: every fold of every split; each fold paired with real-only on the same fold of its own split").AppendLine();
            SetTable(sb, result.Pooled!.Where(s => s.Model == model));
        }
        return sb.ToString();
    }

    private static void SetTable(StringBuilder sb, IEnumerable<SetResult> rows)
    {
        sb.AppendLine("| configuration | training set | pairs per fold | Dice | vs real-only | paired difference | its 95 % CI | folds ≥ real |").AppendLine("| --- | --- | ---: | --- | ---: | --- | --- | ---: |");
        foreach (var s in rows)
            sb.AppendLine(Inv, $"| {s.Configuration} | {s.Set} | {s.PairsPerFold:F0} | {s.Mean:F3} ± {s.Std:F3} | {(s.ShareOfReal is { } r ? (r * 100).ToString("F0", Inv) + " %" : "100 %")} | {(s.Paired is { } p ? $"{PairedDifference.Signed(p.Mean)} ± {p.Std:F3} | {PairedDifference.Signed(p.Low)} … {PairedDifference.Signed(p.High)}" : "– | –")} | {(s.Set == TrainingSets.Real ? "–" : $"{s.Paired?.FoldsAtOrAbove ?? 0}/{s.Folds}")} |");
    }

    /// <summary>
    /// One grouped bar chart per evaluator: a group per configuration (its training time per image in the label), a bar per
    /// set. A pooled configuration is drawn once, over all its splits' folds, in place of its splits (the table keeps them).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Figures(Result result)
    {
        var figures = new Dictionary<string, string>();
        var pools = result.Pools ?? [];
        foreach (var model in result.Sets.Select(s => s.Model).Distinct())
        {
            SvgChart.Group Group(string label, ConfigurationCost cost, IEnumerable<SetResult> rows) => new(
                $"{label} · {cost.TrainingSecondsPerImage:F0} s training / image",
                [.. rows.Where(s => s.Model == model).Select(s => new SvgChart.Bar(s.Set, TrainingSets.ColourOf(s.Set), s.Mean, s.Std, s.Folds))]);
            // Only pools this evaluator judged replace their splits; a split of a pool it did not judge stays.
            var drawnPools = pools.Where(p => (result.Pooled ?? []).Any(s => s.Configuration == p.Label && s.Model == model)).ToList();
            var pooledMembers = drawnPools.SelectMany(p => p.Configurations).ToHashSet();
            var groups = result.Costs.Where(c => !pooledMembers.Contains(c.Configuration))
                .Select(c => Group(c.Configuration, c, result.Sets.Where(s => s.Configuration == c.Configuration)))
                .Concat(drawnPools.Select(p => Group(p.Label, result.Costs.First(c => c.Configuration == p.Configurations[0]),
                    result.Pooled!.Where(s => s.Configuration == p.Label))))
                .Where(g => g.Bars.Count > 0).ToList();   // a configuration this evaluator did not judge has no group
            figures[model] = SvgChart.GroupedBars($"{Core.Segmentation.SegmentationModels.DisplayName(model)}: Dice on the fixed real test set per configuration",
                "test Dice (mean over folds)", "configuration (SinGAN-Seg training time per image, 2 CPU cores)", groups);
        }
        return figures;
    }
}
