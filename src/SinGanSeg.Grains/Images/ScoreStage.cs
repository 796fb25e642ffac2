using SinGanSeg.Abstractions;
using SinGanSeg.Core.Metrics;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Telemetry;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// SIFID of every sample (and its restyled version) against the real image. Inception weights
/// configured on the silo give SIFID-Inception; otherwise the offline ResNet18-stem variant,
/// reported under its own name.
/// </summary>
public sealed class ScoreStage(SinGanSegOptions options, Device device) : IImageStage
{
    public sealed record Scores(string Metric, double Raw, double? Styled);

    public string Span => SinGanSegActivity.ImageScore;

    public bool Applies(StageContext c) => c.Work.Score && c.Samples.Count > 0;

    public void Run(StageContext c, System.Diagnostics.Activity? span) =>
        c.Scores = Run(c.ImagePath, [.. c.Samples.Select(s => (s.Name, s.ImagePath))], c.Styled, c.Box, c.Cancellation);

    public IReadOnlyDictionary<string, Scores> Run(string realImagePath, IReadOnlyList<(string Name, string Path)> samples,
        IReadOnlyDictionary<string, string> styled, ProgressBox box, CancellationToken cancellation)
    {
        box.Update(p => p with { Phase = ImagePhase.Scoring });
        using var features = SifidFeatureFactory.Create(options.Weights.InceptionV3, device);
        var scorer = new SifidScorer(features);
        using var scope = NewDisposeScope();
        var real = SifidScorer.LoadRgb01(realImagePath, device);
        var result = new Dictionary<string, Scores>(StringComparer.Ordinal);
        foreach (var (name, path) in samples)
        {
            cancellation.ThrowIfCancellationRequested();
            var raw = scorer.Score(real, SifidScorer.LoadRgb01(path, device));
            double? restyled = styled.TryGetValue(name, out var s) ? scorer.Score(real, SifidScorer.LoadRgb01(s, device)) : null;
            result[name] = new Scores(scorer.MetricName, raw, restyled);
            var metricTag = SinGanSegMetrics.Tag("metric", scorer.MetricName);
            SinGanSegMetrics.Sifid.Record(raw, SinGanSegMetrics.Tag("variant", "raw"), metricTag);
            if (restyled is { } r) SinGanSegMetrics.Sifid.Record(r, SinGanSegMetrics.Tag("variant", "styled"), metricTag);
        }
        var metric = scorer.MetricName;
        box.Update(p => p with
        {
            SifidMetric = metric,
            Sifid = result.Values.Average(v => v.Raw),
            SifidStyled = result.Values.Any(v => v.Styled.HasValue) ? result.Values.Where(v => v.Styled.HasValue).Average(v => v.Styled!.Value) : null,
        });
        return result;
    }
}
