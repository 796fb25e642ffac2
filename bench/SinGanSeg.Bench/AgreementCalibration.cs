using System.Globalization;
using System.Text;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Segmentation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

/// <summary>
/// The mask agreement gate's calibration (docs/QUALITY.md): a segmenter trained as a job's would
/// be (its settings, on the job's real pairs: the models' sources plus others up to the count),
/// then the Dice of its prediction with the mask for (a) its own training pairs, (b) held-out real
/// pairs (a mask that labels its image, on an image it never saw), (c) held-out images with
/// another held-out image's mask (a mask that does not label its image), (d) samples of each
/// model at gen_start_scale 0 and 1. The gate should flag (c) and almost none of (b).
/// </summary>
public static class AgreementCalibration
{
    public sealed record Row(string Group, string Name, double Dice, double PredictedForeground, double MaskForeground);

    public static IReadOnlyList<Row> Run(string modelsDir, string dataDir, int jobPairs, int heldOut, int samples, string? csv, int steps)
    {
        Core.Native.TorchRuntime.EnsureLoaded();
        var device = CPU;
        var images = Directory.GetFiles(Path.Combine(dataDir, "images")).Order(StringComparer.Ordinal).ToList();
        SegmentationPair Pair(string image) => new(Path.GetFileNameWithoutExtension(image), image, Path.Combine(dataDir, "masks", Path.GetFileName(image)));
        var models = Directory.GetDirectories(modelsDir).Order(StringComparer.Ordinal).ToList();
        var sources = models.Select(m => images.First(i => Path.GetFileNameWithoutExtension(i) == Path.GetFileName(m))).ToList();
        // The job's real pairs: the models' sources, then every 7th other image until the count.
        var others = images.Except(sources).ToList();
        var job = sources.Concat(others.Where((_, i) => i % 7 == 0).Take(Math.Max(0, jobPairs - sources.Count))).ToList();
        var held = others.Except(job).Where((_, i) => i % 3 == 1).Take(heldOut).ToList();
        var config = new MaskAgreementConfig() with { Steps = steps };
        var started = DateTime.UtcNow;
        using var segmenter = MaskAgreement.Train([.. job.Select(Pair)], config, device);
        Console.Error.WriteLine($"segmenter: {job.Count} real pairs, {config.Steps} steps at {config.ImageSize} px, {(DateTime.UtcNow - started).TotalSeconds:F0} s, Dice on its own pairs {segmenter.RealDice:F3}");
        var rows = new List<Row>();
        void Add(string group, IReadOnlyList<SegmentationPair> pairs) =>
            rows.AddRange(segmenter.Score(pairs).Select(s => new Row(group, s.Name, s.Dice, s.PredictedForeground, s.MaskForeground)));
        Add("real, its training pairs", [.. job.Select(Pair)]);
        Add("real, held out", [.. held.Select(Pair)]);
        var scratch = Path.Combine(Path.GetTempPath(), $"singanseg-agreement-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        try
        {
            // Another held-out image's mask, resized to this image (the loader insists on equal sizes).
            Add("real image, another's mask", [.. held.Select((h, i) =>
            {
                var other = Pair(held[(i + held.Count / 2) % held.Count]).MaskPath;
                var info = SixLabors.ImageSharp.Image.Identify(h);
                using var mask = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(other);
                mask.Mutate(m => m.Resize(info.Width, info.Height, KnownResamplers.NearestNeighbor));
                var path = Path.Combine(scratch, $"mismatched-{i}.png");
                mask.SaveAsPng(path);
                return Pair(h) with { MaskPath = path };
            })]);
            foreach (var gss in new[] { 0, 1 })
            {
                var generated = new List<SegmentationPair>();
                foreach (var modelDir in models)
                {
                    using var model = new ModelFolder(modelDir).LoadModel(device);
                    var outDir = Path.Combine(scratch, Path.GetFileName(modelDir), gss.ToString(CultureInfo.InvariantCulture));
                    generated.AddRange(new SampleGenerator(model) { GenStartScale = gss, BatchSize = 4 }.Generate(samples, 7, outDir)
                        .Select(g => new SegmentationPair($"{Path.GetFileName(modelDir)}-{Path.GetFileNameWithoutExtension(g.ImagePath)}", g.ImagePath, g.MaskPath)));
                }
                Add($"samples, gen_start_scale {gss}", generated);
            }
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
        if (csv is not null)
            File.WriteAllLines(csv, ["group,name,dice,predictedForeground,maskForeground",
                .. rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"\"{r.Group}\",{r.Name},{r.Dice:F5},{r.PredictedForeground:F5},{r.MaskForeground:F5}"))]);
        return rows;
    }

    /// <summary>Per group: count, Dice quartiles, and the share flagged at each Dice cut (flagged = Dice at or below it).</summary>
    public static string Table(IReadOnlyList<Row> rows, IReadOnlyList<double> cuts)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| group | n | Dice 5% / median / 95% | " + string.Join(" | ", cuts.Select(c => string.Create(CultureInfo.InvariantCulture, $"flagged at Dice ≤ {c}"))) + " |");
        sb.AppendLine("| --- | ---: | --- | " + string.Join(" | ", cuts.Select(_ => "---:")) + " |");
        foreach (var g in rows.GroupBy(r => r.Group))
        {
            var d = g.Select(r => r.Dice).Order().ToList();
            double Q(double q) => d[(int)Math.Clamp(Math.Round(q * (d.Count - 1)), 0, d.Count - 1)];
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {g.Key} | {d.Count} | {Q(0.05):F2} / {Q(0.5):F2} / {Q(0.95):F2} | ")
                + string.Join(" | ", cuts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{d.Count(x => x <= c)} ({100.0 * d.Count(x => x <= c) / d.Count:F0}%)"))) + " |");
        }
        return sb.ToString();
    }
}
