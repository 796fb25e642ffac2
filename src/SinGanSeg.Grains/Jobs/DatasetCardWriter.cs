using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SinGanSeg.Abstractions;
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
            Figure(figure, outcomes, spec.Settings.Gates);
            await store.PutFileAsync(ModelKeys.Card(spec.JobId, "png"), figure);
        }
        finally
        {
            File.Delete(figure);
        }
    }

    public sealed record Summary(int Count, double? Min, double? P05, double? Median, double? P95, double? Max);

    /// <summary>
    /// A gate's line of the card: its policy and threshold for the job, samples it flagged and
    /// dropped, and the reasons of the flagged ones counted (null for a gate that gives no reasons).
    /// </summary>
    /// <param name="Flagged">Samples whose final draw the gate flagged (kept under report, or dropped).</param>
    /// <param name="Regenerated">
    /// Draws made again because this gate flagged them; null for a regenerate gate when some of the
    /// job's images finished before the per-gate counts were kept (a gate that never regenerates
    /// asked for none, so 0 is certain for it).
    /// </param>
    public sealed record GateSummary(string Policy, double Threshold, int Flagged, int? Regenerated, int Dropped, IReadOnlyDictionary<string, int>? Reasons)
    {
        [JsonIgnore] public string Label { get; init; } = "";
    }

    /// <summary>
    /// The card's gates: a property per gate the job had on, by its name (copyCheck, quality, maskAgreement), then regenerated.
    /// Written from the registry and the verdicts, so a new gate needs nothing here.
    /// </summary>
    public sealed record GatesSection(int Regenerated)
    {
        [JsonIgnore] public IReadOnlyList<(string Name, GateSummary Summary)> Gates { get; init; } = [];

        [JsonExtensionData] public Dictionary<string, object> ByName => Gates.ToDictionary(g => g.Name, g => (object)g.Summary, StringComparer.Ordinal);
    }

    /// <param name="ImagesUsed">Source images whose samples are in the dataset.</param>
    public sealed record SourceSection(int Images, int ImagesUsed, int ImagesFailed, string Terms);

    /// <param name="Regenerated">Kept samples that are redraws (a gate flagged an earlier draw of theirs).</param>
    public sealed record SamplesSection(int Kept, int Dropped, int Styled, int Regenerated);

    /// <param name="FigureSifidMax">The right end of the figure's SIFID axis (the largest SIFID of a checked sample; null when none was computed): the figure has no text, so the card states it.</param>
    public sealed record Card(
        string Title, DateTimeOffset CreatedAt, string Software, string JobId, string Phase,
        SourceSection Source, JobSettings Settings, IReadOnlyList<object> Models,
        SamplesSection Samples, GatesSection Gates, IReadOnlyDictionary<string, Summary> Distributions, string? SifidMetric,
        DatasetCardEvaluation.Section? Evaluation, IReadOnlyList<string> Cite, string Figure, string Manifest, double? FigureSifidMax);

    public static Card Build(JobSpec spec, JobStatus status, IReadOnlyList<ImageOutcome> outcomes, EvaluationStatus? evaluation)
    {
        var kept = outcomes.SelectMany(o => o.Samples).ToList();
        var dropped = outcomes.SelectMany(o => o.Dropped ?? []).ToList();
        var all = kept.Concat(dropped).ToList();
        var settings = spec.Settings.Gates;
        var counts = GateCounts.Sum(outcomes.Select(o => o.Gates));
        var section = new GatesSection(counts.Regenerated)
        {
            // The gates the job had on (an off gate made no verdicts and is not listed).
            Gates = [.. GateRegistry.All.Where(g => settings.IsOn(g.Name)).Select(g =>
            {
                var flagged = all.Select(s => s.Verdict(g.Name)).Where(v => v?.Flagged == true).Select(v => v!).ToList();
                // Reasons only for a gate that gives them (its verdicts carry a reasons list, even an empty one).
                var reasons = all.Any(s => s.Verdict(g.Name)?.Reasons is not null)
                    ? flagged.SelectMany(v => v.Reasons ?? []).GroupBy(r => r).ToDictionary(r => r.Key, r => r.Count(), StringComparer.Ordinal)
                    : null;
                var options = settings.For(g.Name);
                return (g.Name, new GateSummary(options.Policy.ToString().ToLowerInvariant(), GateRegistry.Threshold(settings, g),
                    flagged.Count, counts.RedrawsAttributed || options.Policy != GatePolicy.Regenerate ? counts.RegeneratedFor(g.Name) : null,
                    dropped.Count(s => s.DroppedBy == g.Name), reasons) { Label = g.Label });
            })],
        };
        var distributions = new Dictionary<string, Summary>(StringComparer.Ordinal)
        {
            ["sifid"] = Summarise(kept.Select(s => s.Sifid)),
            ["sifidStyled"] = Summarise(kept.Select(s => s.SifidStyled)),
        };
        foreach (var gate in GateRegistry.All.Where(g => settings.IsOn(g.Name)))
            foreach (var (key, score) in gate.CardDistributions)
                distributions[key] = Summarise(kept.Select(s => s.Verdict(gate.Name)?.Value(score)));
        distributions["maskForeground"] = Summarise(kept.Select(s => (double?)s.MaskForeground));
        return new Card(
            $"Synthetic image+mask pairs from job {spec.JobId}",
            DateTimeOffset.UtcNow,
            Version(),
            spec.JobId,
            status.Phase.ToString(),
            new SourceSection(spec.Images.Count, status.Done, status.Failed,
                "Not recorded by the job. The synthetic pairs derive from private images: share them only under the source's data-use terms, decided by its owner."),
            spec.Settings,
            [.. outcomes.Select(o => (object)new { image = o.Name, model = o.ModelKey, fromCache = o.FromCache, samples = o.Samples.Count, dropped = o.Dropped?.Count ?? 0 })],
            new SamplesSection(kept.Count, dropped.Count, kept.Count(s => s.StyledImageKey is not null), kept.Count(s => s.Tries > 1)),
            section,
            distributions,
            kept.Select(s => s.SifidMetric).FirstOrDefault(m => m is not null),
            DatasetCardEvaluation.Of(status, evaluation),
            [MethodCitation, SinGanCitation, "The source dataset: cite it as its owner asks."],
            "dataset_card.png",
            "manifest.jsonl",
            CheckedSifid(outcomes) is { Count: > 0 } sifid ? Math.Round(sifid.Max(), 4) : null);
    }

    /// <summary>
    /// The "Samples and gates" counts as two list lines, one in the singular ("1 pair kept", "1 of the
    /// kept pairs is a redraw", "1 draw was made again"): a card is read by people, and small jobs are
    /// common in trials. Redraws are kept pairs that replace a flagged draw; draws made again counts
    /// every redraw, kept or dropped.
    /// </summary>
    public static string[] SampleCounts(int kept, int styled, int dropped, int keptRedraws, int drawsMadeAgain) =>
    [
        $"- {Counted(kept, "pair", "pairs")} kept ({styled} of them restyled); {dropped} dropped by the gates",
        $"- {keptRedraws} of the kept pairs {(keptRedraws == 1 ? "is a redraw" : "are redraws")} (a gate flagged an earlier draw); " +
            $"{Counted(drawsMadeAgain, "draw was", "draws were")} made again in all",
    ];

    /// <summary>"1 model", "2 models": a count with its noun in the right number (integers print alike in every culture).</summary>
    private static string Counted(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n} {many}";

    public static string Markdown(Card c)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"# {c.Title}").AppendLine();
        sb.AppendLine(inv, $"Made by {c.Software} on {c.CreatedAt:yyyy-MM-dd HH:mm} UTC (job phase: {c.Phase}). Each line of `manifest.jsonl` describes one pair of `images/` and `masks/`: its source image (by name and SHA-256), model, seeds, scores and gate verdicts.").AppendLine();
        sb.AppendLine("## What it is").AppendLine();
        sb.AppendLine("Synthetic polyp-style image+mask pairs generated by SinGAN-Seg: one single-image GAN per real image+mask pair, sampled at random. The samples resemble their source images; how closely is measured below.").AppendLine();
        sb.AppendLine("## Source").AppendLine();
        sb.AppendLine(inv, $"- source images: {c.Source.Images} ({c.Source.ImagesUsed} used, {c.Source.ImagesFailed} failed)");
        sb.AppendLine(inv, $"- terms: {c.Source.Terms}").AppendLine();
        sb.AppendLine("## Settings").AppendLine();
        var s = c.Settings;
        sb.AppendLine(inv, $"- preset {s.Training.Preset}, max size {s.Training.MaxSize?.ToString(inv) ?? "preset"}, iterations {s.Training.Iterations?.ToString(inv) ?? "preset"}");
        sb.AppendLine(inv, $"- {Counted(s.SamplesPerImage, "sample", "samples")} per image, seed {s.Seed}, gen_start_scale {s.GenStartScale}");
        sb.AppendLine(inv, $"- style transfer: {(s.Style is null ? "none" : $"{s.Style.Network}, ratio {s.Style.Ratio}, {s.Style.Steps} steps")}; SIFID: {(s.Score ? c.SifidMetric ?? "on" : "off")}");
        sb.AppendLine(inv, $"- {Counted(c.Models.Count, "model", "models")} (listed in dataset_card.json)").AppendLine();
        sb.AppendLine("## Samples and gates").AppendLine();
        foreach (var line in SampleCounts(c.Samples.Kept, c.Samples.Styled, c.Samples.Dropped, c.Samples.Regenerated, c.Gates.Regenerated)) sb.AppendLine(line);
        sb.AppendLine();
        sb.AppendLine("| gate | policy | threshold | flagged (final draws) | draws regenerated at its request | dropped |").AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (_, g) in c.Gates.Gates)
            sb.AppendLine(inv, $"| {g.Label} | {g.Policy} | {g.Threshold:0.###} | {g.Flagged} | {g.Regenerated?.ToString(inv) ?? "not recorded"} | {g.Dropped} |");
        sb.AppendLine();
        var reasons = c.Gates.Gates.Where(g => g.Summary.Reasons is not null)
            .Select(g => $" {Capitalised(g.Summary.Label)} reasons: {(g.Summary.Reasons!.Count == 0 ? "none" : string.Join(", ", g.Summary.Reasons.Select(kv => $"{kv.Key} {kv.Value}")))}.");
        if (reasons.Any()) sb.AppendLine(string.Concat(reasons).TrimStart());
        sb.AppendLine("Flagged samples kept under the report policy carry `\"flagged\": true` in their manifest line; dropped ones are not in this dataset.").AppendLine();
        sb.AppendLine("## Score distributions (kept samples)").AppendLine();
        sb.AppendLine("| score | n | min | 5% | median | 95% | max |").AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (name, d) in c.Distributions.Where(kv => kv.Value.Count > 0))
            sb.AppendLine(inv, $"| {name} | {d.Count} | {d.Min:0.####} | {d.P05:0.####} | {d.Median:0.####} | {d.P95:0.####} | {d.Max:0.####} |");
        sb.AppendLine().AppendLine("![score histograms](dataset_card.png)").AppendLine();
        var on = GateRegistry.All.Where(g => c.Settings.Gates.IsOn(g.Name)).ToList();
        var panels = on.Where(g => g.CardHistogram is not null).Select(g => g.CardHistogram!).ToList();
        var sifidPanel = c.FigureSifidMax is { } sifidMax
            ? $"SIFID of every checked sample, 0…{sifidMax.ToString("0.##", inv)} (lower is closer to the source's patch statistics)"
            : "SIFID of every checked sample (none was computed: no sample was checked, or scoring was off and no gate computes it)";
        sb.AppendLine(panels.Count == 0 ? $"Figure: {sifidPanel}."
            : panels.Count == 1 ? $"Figure: left, {panels[0]}; right, {sifidPanel}."
            : $"Figure: from left to right, {string.Join("; ", panels.Append(sifidPanel))}.").AppendLine();
        foreach (var note in on.Select(g => g.CardNote).OfType<string>()) sb.AppendLine(note).AppendLine();
        if (c.Evaluation is { } e) DatasetCardEvaluation.Markdown(sb, e);
        sb.AppendLine("## How to cite").AppendLine();
        foreach (var cite in c.Cite) sb.AppendLine(inv, $"- {cite}");
        return sb.ToString();
    }

    /// <summary>A 0…1 panel of each gate's score that asks for one (with its threshold), then SIFID of every checked sample.</summary>
    private static void Figure(string path, IReadOnlyList<ImageOutcome> outcomes, GateSettings settings)
    {
        var all = outcomes.SelectMany(o => o.Samples.Concat(o.Dropped ?? [])).ToList();
        var panels = new List<HistogramFigure.Panel>();
        foreach (var gate in GateRegistry.All.Where(g => g.CardHistogram is not null && settings.IsOn(g.Name)))
        {
            var scores = all.Select(s => s.Verdict(gate.Name)).OfType<GateVerdict>().Select(v => v.Score).ToList();
            panels.Add(new HistogramFigure.Panel(0, 1, [new HistogramFigure.Series(scores, HistogramFigure.Colours[panels.Count % HistogramFigure.Colours.Length])],
                GateRegistry.Threshold(settings, gate)));
        }
        var sifid = CheckedSifid(outcomes);
        panels.Add(new HistogramFigure.Panel(0, sifid.Count == 0 ? 1 : Math.Max(1e-6, sifid.Max()),
            [new HistogramFigure.Series(sifid, HistogramFigure.Colours[panels.Count % HistogramFigure.Colours.Length])]));
        HistogramFigure.Write(path, panels);
    }

    /// <summary>
    /// The figure's SIFID values: a gate's SIFID (computed for every checked sample, dropped ones too)
    /// before the score stage's (kept samples, when asked).
    /// </summary>
    private static List<double> CheckedSifid(IReadOnlyList<ImageOutcome> outcomes) =>
        [.. outcomes.SelectMany(o => o.Samples.Concat(o.Dropped ?? []))
            .Select(s => s.Verdicts?.Select(v => v.Value("sifid")).FirstOrDefault(x => x is not null) ?? s.Sifid)
            .Where(v => v.HasValue && double.IsFinite(v.Value)).Select(v => v!.Value)];

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

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
