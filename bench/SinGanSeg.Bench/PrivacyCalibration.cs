using System.Globalization;
using System.Text;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Privacy;
using SinGanSeg.Core.Quality;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

/// <summary>
/// The copy gate's calibration (docs/PRIVACY.md): for models trained on real pairs, the copy
/// scores of (a) other real images against each model's source, (b) samples at every
/// gen_start_scale, (c) reconstructions (gen_start_scale = the scale count). Prints a table and
/// draws the figure.
/// </summary>
public static class PrivacyCalibration
{
    public sealed record Row(string Group, string Model, double Ncc, double MaskIou, double Patch, double Embedding, double Score);

    public static IReadOnlyList<Row> Run(string modelsDir, string dataDir, int samples, int others, string figure, string? csv)
    {
        Core.Native.TorchRuntime.EnsureLoaded();
        var device = CPU;
        using var embedder = new ResNetEmbedder(device);
        var rows = new List<Row>();
        var images = Directory.GetFiles(Path.Combine(dataDir, "images")).Order(StringComparer.Ordinal).ToList();
        foreach (var modelDir in Directory.GetDirectories(modelsDir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(modelDir);
            var imagePath = images.First(i => Path.GetFileNameWithoutExtension(i) == name);
            var maskPath = Path.Combine(dataDir, "masks", Path.GetFileName(imagePath));
            using var model = new ModelFolder(modelDir).LoadModel(device);
            var size = model.OutputSize;
            var source = PairPixels.Load(imagePath, maskPath, size.Width, size.Height);
            var detector = new CopyDetector(source);
            var sourceEmbedding = embedder.Embed(source.Height, source.Width, source.Rgb);
            Row Score(string group, PairPixels p)
            {
                var d = ResNetEmbedder.Distance(embedder.Embed(p.Height, p.Width, p.Rgb), sourceEmbedding);
                var s = detector.Score(p, d);
                return new Row(group, name, s.Ncc, s.MaskIou, s.PatchCopyShare, d, s.Score);
            }
            // (a) other real images at this source's size.
            var step = Math.Max(1, images.Count / others);
            foreach (var other in images.Where((_, i) => i % step == 0).Where(i => i != imagePath).Take(others))
                rows.Add(Score("real", PairPixels.Load(other, Path.Combine(dataDir, "masks", Path.GetFileName(other)), size.Width, size.Height)));
            // (b) samples at every gen_start_scale and (c) the reconstruction.
            for (var gss = 0; gss <= model.ScaleCount; gss++)
            {
                var outDir = Path.Combine(Path.GetTempPath(), $"singanseg-privacy-{Environment.ProcessId}", name, gss.ToString(CultureInfo.InvariantCulture));
                var generated = new SampleGenerator(model) { GenStartScale = gss, BatchSize = 4 }.Generate(gss == model.ScaleCount ? 2 : samples, 7, outDir);
                var group = gss == model.ScaleCount ? "reconstruction" : $"gss{gss}";
                foreach (var g in generated) rows.Add(Score(group, PairPixels.Load(g.ImagePath, g.MaskPath)));
                Directory.Delete(outDir, recursive: true);
            }
            Console.Error.WriteLine($"{name}: {model.ScaleCount} scales, {size.Width}x{size.Height}");
        }
        if (csv is not null)
            File.WriteAllLines(csv, ["group,model,ncc,maskIou,patchCopyShare,embeddingDistance,score",
                .. rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Group},{r.Model},{r.Ncc:F5},{r.MaskIou:F5},{r.Patch:F5},{r.Embedding:F5},{r.Score:F5}"))]);
        var groups = Groups(rows);
        HistogramFigure.Write(figure,
        [
            Panel(groups, r => r.Ncc, -0.2, 1, null),
            Panel(groups, r => r.Patch, 0, 1, null),
            Panel(groups, r => r.Embedding, 0, 0.4, CopyThresholds.EmbeddingScale),
            Panel(groups, r => r.Score, 0, 1, CopyThresholds.Default),
        ], bins: 40, panelWidth: 300, panelHeight: 170);
        return rows;
    }

    public static string Table(IReadOnlyList<Row> rows, double threshold)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| group (colour) | n | NCC median | patch share median | embedding distance median | copy score median / 95% | flagged at " + threshold.ToString(CultureInfo.InvariantCulture) + " |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        var colours = new[] { "blue", "orange", "green", "red", "purple", "brown", "pink", "grey" };
        var i = 0;
        foreach (var (group, list) in Groups(rows))
        {
            double Med(Func<Row, double> f) => Q(list.Select(f), 0.5);
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group} ({colours[i++ % colours.Length]}) | {list.Count} | {Med(r => r.Ncc):F3} | {Med(r => r.Patch):F3} | {Med(r => r.Embedding):F3} | {Med(r => r.Score):F3} / {Q(list.Select(r => r.Score), 0.95):F3} | {list.Count(r => r.Score >= threshold)} ({100.0 * list.Count(r => r.Score >= threshold) / list.Count:F0}%) |"));
        }
        return sb.ToString();
    }

    private static List<(string Group, List<Row> Rows)> Groups(IReadOnlyList<Row> rows) =>
        [.. rows.GroupBy(r => r.Group).OrderBy(g => g.Key switch { "real" => -1, "reconstruction" => 99, _ => int.Parse(g.Key[3..], CultureInfo.InvariantCulture) })
            .Select(g => (g.Key, g.ToList()))];

    private static HistogramFigure.Panel Panel(List<(string Group, List<Row> Rows)> groups, Func<Row, double> value, double min, double max, double? marker) =>
        new(min, max, [.. groups.Select((g, i) => new HistogramFigure.Series([.. g.Rows.Select(value)], HistogramFigure.Colours[i % HistogramFigure.Colours.Length]))], marker);

    private static double Q(IEnumerable<double> values, double q)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v[(int)Math.Round(q * (v.Length - 1))];
    }
}
