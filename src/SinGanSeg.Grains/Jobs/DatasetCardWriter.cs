using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Privacy;
using SinGanSeg.Core.Quality;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// dataset_card.json, dataset_card.md and dataset_card.png next to manifest.jsonl: what the
/// dataset is, how it was made (settings, models, software), what the gates kept and dropped and
/// why, the distributions of SIFID and copy-detection scores, the evaluation's results, and how
/// to cite. Written when the job finishes, so a reader of the zip alone knows how close the data is
/// to the private images; written again when the job's evaluation finishes, with its results.
/// </summary>
public static class DatasetCardWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public const string MethodCitation = "Thambawita V, Salehi P, Sheshkal SA, Hicks SA, Hammer HL, Parasa S, et al. SinGAN-Seg: Synthetic training data generation for medical image segmentation. PLOS ONE 17(5): e0267976 (2022). https://doi.org/10.1371/journal.pone.0267976";
    public const string SinGanCitation = "Shaham TR, Dekel T, Michaeli T. SinGAN: Learning a Generative Model from a Single Natural Image. ICCV 2019.";

    public static async Task WriteAsync(IArtifactStore store, JobSpec spec, JobStatus status, IReadOnlyList<ImageOutcome> outcomes, EvaluationStatus? evaluation)
    {
        var card = Build(spec, status, outcomes, evaluation);
        await store.PutBytesAsync(ModelKeys.Card(spec.JobId, "json"), JsonSerializer.SerializeToUtf8Bytes(card, Json));
        await store.PutBytesAsync(ModelKeys.Card(spec.JobId, "md"), Encoding.UTF8.GetBytes(Markdown(card)));
        var figure = Path.Combine(Path.GetTempPath(), $"singanseg-card-{Guid.NewGuid():N}.png");
        try
        {
            Figure(figure, outcomes, card.Gates.CopyThreshold);
            await store.PutFileAsync(ModelKeys.Card(spec.JobId, "png"), figure);
        }
        finally
        {
            File.Delete(figure);
        }
    }

    public sealed record Summary(int Count, double? Min, double? P05, double? Median, double? P95, double? Max);

    public sealed record GateSummary(string Policy, double Threshold, int Flagged, int Dropped);

    public sealed record GatesSection(GateSummary CopyCheck, GateSummary Quality, int Regenerated, IReadOnlyDictionary<string, int> QualityReasons)
    {
        public double CopyThreshold => CopyCheck.Threshold;
    }

    public sealed record Card(
        string Title, DateTimeOffset CreatedAt, string Software, string JobId, string Phase,
        object Source, JobSettings Settings, IReadOnlyList<object> Models,
        object Samples, GatesSection Gates, IReadOnlyDictionary<string, Summary> Distributions, string? SifidMetric,
        DatasetCardEvaluation.Section? Evaluation, IReadOnlyList<string> Cite, string Figure, string Manifest);

    public static Card Build(JobSpec spec, JobStatus status, IReadOnlyList<ImageOutcome> outcomes, EvaluationStatus? evaluation)
    {
        var kept = outcomes.SelectMany(o => o.Samples).ToList();
        var dropped = outcomes.SelectMany(o => o.Dropped ?? []).ToList();
        var all = kept.Concat(dropped).ToList();
        var gates = spec.Settings.Gates;
        var reasons = all.SelectMany(s => s.Quality?.Flagged == true ? s.Quality.Reasons : []).GroupBy(r => r)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var section = new GatesSection(
            new GateSummary(gates.CopyCheck.Policy.ToString().ToLowerInvariant(), gates.CopyCheck.Threshold ?? CopyThresholds.Default,
                all.Count(s => s.CopyCheck?.Flagged == true), dropped.Count(s => s.DroppedBy == "copyCheck")),
            new GateSummary(gates.Quality.Policy.ToString().ToLowerInvariant(), gates.Quality.Threshold ?? QualityScorer.Default,
                all.Count(s => s.Quality?.Flagged == true), dropped.Count(s => s.DroppedBy == "quality")),
            outcomes.Sum(o => o.Gates?.Regenerated ?? 0), reasons);
        var distributions = new Dictionary<string, Summary>(StringComparer.Ordinal)
        {
            ["sifid"] = Summarise(kept.Select(s => s.Sifid)),
            ["sifidStyled"] = Summarise(kept.Select(s => s.SifidStyled)),
            ["copyScore"] = Summarise(kept.Select(s => s.CopyCheck?.Score)),
            ["ncc"] = Summarise(kept.Select(s => s.CopyCheck?.Ncc)),
            ["patchCopyShare"] = Summarise(kept.Select(s => s.CopyCheck?.PatchCopyShare)),
            ["embeddingDistance"] = Summarise(kept.Select(s => s.CopyCheck?.EmbeddingDistance)),
            ["maskForeground"] = Summarise(kept.Select(s => (double?)s.MaskForeground)),
        };
        return new Card(
            $"Synthetic image+mask pairs from job {spec.JobId}",
            DateTimeOffset.UtcNow,
            Version(),
            spec.JobId,
            status.Phase.ToString(),
            new
            {
                images = spec.Images.Count,
                imagesUsed = status.Done,
                imagesFailed = status.Failed,
                terms = "Not recorded by the job. The synthetic pairs derive from private images: share them only under the source's data-use terms, decided by its owner.",
            },
            spec.Settings,
            [.. outcomes.Select(o => (object)new { image = o.Name, model = o.ModelKey, fromCache = o.FromCache, samples = o.Samples.Count, dropped = o.Dropped?.Count ?? 0 })],
            new { kept = kept.Count, dropped = dropped.Count, styled = kept.Count(s => s.StyledImageKey is not null), regenerated = kept.Count(s => s.Tries > 1) },
            section,
            distributions,
            kept.Select(s => s.SifidMetric).FirstOrDefault(m => m is not null),
            DatasetCardEvaluation.Of(status, evaluation),
            [MethodCitation, SinGanCitation, "The source dataset: cite it as its owner asks."],
            "dataset_card.png",
            "manifest.jsonl");
    }

    public static string Markdown(Card c)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"# {c.Title}").AppendLine();
        sb.AppendLine(inv, $"Made by {c.Software} on {c.CreatedAt:yyyy-MM-dd HH:mm} UTC (job phase: {c.Phase}). Each line of `manifest.jsonl` describes one pair of `images/` and `masks/`: its source image (by name and SHA-256), model, seeds, scores and gate verdicts.").AppendLine();
        sb.AppendLine("## What it is").AppendLine();
        sb.AppendLine("Synthetic polyp-style image+mask pairs generated by SinGAN-Seg: one single-image GAN per real image+mask pair, sampled at random. The samples resemble their source images; how closely is measured below.").AppendLine();
        sb.AppendLine("## Source").AppendLine();
        sb.AppendLine(JsonSerializer.Serialize(c.Source, Json).Trim('{', '}', '\n', '\r')).AppendLine();
        sb.AppendLine("## Settings").AppendLine();
        var s = c.Settings;
        sb.AppendLine(inv, $"- preset {s.Training.Preset}, max size {s.Training.MaxSize?.ToString(inv) ?? "preset"}, iterations {s.Training.Iterations?.ToString(inv) ?? "preset"}");
        sb.AppendLine(inv, $"- {s.SamplesPerImage} samples per image, seed {s.Seed}, gen_start_scale {s.GenStartScale}");
        sb.AppendLine(inv, $"- style transfer: {(s.Style is null ? "none" : $"{s.Style.Network}, ratio {s.Style.Ratio}, {s.Style.Steps} steps")}; SIFID: {(s.Score ? c.SifidMetric ?? "on" : "off")}");
        sb.AppendLine(inv, $"- {c.Models.Count} models (listed in dataset_card.json)").AppendLine();
        sb.AppendLine("## Samples and gates").AppendLine();
        sb.AppendLine(JsonSerializer.Serialize(c.Samples, Json).Trim('{', '}', '\n', '\r')).AppendLine();
        sb.AppendLine("| gate | policy | threshold | flagged | dropped |").AppendLine("| --- | --- | --- | --- | --- |");
        sb.AppendLine(inv, $"| copy check (privacy) | {c.Gates.CopyCheck.Policy} | {c.Gates.CopyCheck.Threshold:0.###} | {c.Gates.CopyCheck.Flagged} | {c.Gates.CopyCheck.Dropped} |");
        sb.AppendLine(inv, $"| quality | {c.Gates.Quality.Policy} | {c.Gates.Quality.Threshold:0.###} | {c.Gates.Quality.Flagged} | {c.Gates.Quality.Dropped} |").AppendLine();
        sb.AppendLine(inv, $"Regenerations: {c.Gates.Regenerated}. Quality reasons: {(c.Gates.QualityReasons.Count == 0 ? "none" : string.Join(", ", c.Gates.QualityReasons.Select(kv => $"{kv.Key} {kv.Value}")))}.");
        sb.AppendLine("Flagged samples kept under the report policy carry `\"flagged\": true` in their manifest line; dropped ones are not in this dataset.").AppendLine();
        sb.AppendLine("## Score distributions (kept samples)").AppendLine();
        sb.AppendLine("| score | n | min | 5% | median | 95% | max |").AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (name, d) in c.Distributions.Where(kv => kv.Value.Count > 0))
            sb.AppendLine(inv, $"| {name} | {d.Count} | {d.Min:0.####} | {d.P05:0.####} | {d.Median:0.####} | {d.P95:0.####} | {d.Max:0.####} |");
        sb.AppendLine().AppendLine("![score histograms](dataset_card.png)").AppendLine();
        sb.AppendLine("Figure: left, the copy score of every checked sample (0…1; dotted line: the threshold; a score near 1 is a near-copy of the source); right, SIFID of every checked sample (lower is closer to the source's patch statistics).").AppendLine();
        sb.AppendLine("Copy score = the largest of: best normalised cross-correlation with the source over small shifts and flips, the share of textured patches with a near-identical source patch, and ResNet18 embedding closeness. See docs/PRIVACY.md of SinGanSeg for how the thresholds were calibrated.").AppendLine();
        if (c.Evaluation is { } e) DatasetCardEvaluation.Markdown(sb, e);
        sb.AppendLine("## How to cite").AppendLine();
        foreach (var cite in c.Cite) sb.AppendLine(inv, $"- {cite}");
        return sb.ToString();
    }

    private static void Figure(string path, IReadOnlyList<ImageOutcome> outcomes, double threshold)
    {
        var all = outcomes.SelectMany(o => o.Samples.Concat(o.Dropped ?? [])).ToList();
        var copy = all.Where(s => s.CopyCheck is not null).Select(s => s.CopyCheck!.Score).ToList();
        var sifid = all.Select(s => s.Quality?.Sifid ?? s.Sifid).Where(v => v.HasValue).Select(v => v!.Value).ToList();
        HistogramFigure.Write(path,
        [
            new HistogramFigure.Panel(0, 1, [new HistogramFigure.Series(copy, HistogramFigure.Colours[0])], threshold),
            new HistogramFigure.Panel(0, sifid.Count == 0 ? 1 : Math.Max(1e-6, sifid.Max()), [new HistogramFigure.Series(sifid, HistogramFigure.Colours[1])]),
        ]);
    }

    private static Summary Summarise(IEnumerable<double?> values)
    {
        var v = values.Where(x => x.HasValue && double.IsFinite(x.Value)).Select(x => x!.Value).Order().ToArray();
        if (v.Length == 0) return new Summary(0, null, null, null, null, null);
        double Q(double q) => Math.Round(v[(int)Math.Round(q * (v.Length - 1))], 6);
        return new Summary(v.Length, Q(0), Q(0.05), Q(0.5), Q(0.95), Q(1));
    }

    private static string Version()
    {
        var assembly = typeof(DatasetCardWriter).Assembly;
        return "SinGanSeg " + (assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown");
    }
}
