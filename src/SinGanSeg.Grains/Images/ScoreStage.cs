using SinGanSeg.Abstractions;
using SinGanSeg.Core.Metrics;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Telemetry;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// SIFID of every sample (and its restyled version) against the real image. Inception weights
/// configured on the silo give SIFID-Inception; otherwise the offline ResNet18-stem variant,
/// reported under its own name. A sample's raw SIFID a gate already computed (the quality gate
/// does, with the same features) is reused; the features are loaded only for what is left.
/// </summary>
public sealed class ScoreStage(SinGanSegOptions options, Device device) : IImageStage
{
    public sealed record Scores(string Metric, double Raw, double? Styled);

    public string Span => SinGanSegActivity.ImageScore;

    public bool Applies(StageContext c) => c.Work.Score && c.Samples.Count > 0;

    public void Run(StageContext c, System.Diagnostics.Activity? span) =>
        c.Scores = Run(c.ImagePath, c.Samples, c.Styled, c.Box, c.Cancellation);

    public IReadOnlyDictionary<string, Scores> Run(string realImagePath, IReadOnlyList<SampleState> samples,
        IReadOnlyDictionary<string, string> styled, ProgressBox box, CancellationToken cancellation)
    {
        box.Update(p => p with { Phase = ImagePhase.Scoring });
        // Reused values all come from the silo's own features (one metric); anything else needs them loaded.
        var needsFeatures = samples.Any(s => s.Sifid is null || styled.ContainsKey(s.Name)) || samples.Select(s => s.SifidMetric).Distinct().Count() > 1;
        using var features = needsFeatures ? SifidFeatureFactory.Create(options.Weights.InceptionV3, device) : null;
        var scorer = features is null ? null : new SifidScorer(features);
        var metric = scorer?.MetricName ?? samples[0].SifidMetric!;
        using var scope = NewDisposeScope();
        var real = scorer is null ? null : SifidScorer.LoadRgb01(realImagePath, device);
        var result = new Dictionary<string, Scores>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            cancellation.ThrowIfCancellationRequested();
            var raw = sample.Sifid is { } known && sample.SifidMetric == metric ? known : scorer!.Score(real!, SifidScorer.LoadRgb01(sample.ImagePath, device));
            double? restyled = styled.TryGetValue(sample.Name, out var s) ? scorer!.Score(real!, SifidScorer.LoadRgb01(s, device)) : null;
            result[sample.Name] = new Scores(metric, raw, restyled);
            var metricTag = SinGanSegMetrics.Tag("metric", metric);
            SinGanSegMetrics.Sifid.Record(raw, SinGanSegMetrics.Tag("variant", "raw"), metricTag);
            if (restyled is { } r) SinGanSegMetrics.Sifid.Record(r, SinGanSegMetrics.Tag("variant", "styled"), metricTag);
        }
        box.Update(p => p with
        {
            SifidMetric = metric,
            Sifid = result.Values.Average(v => v.Raw),
            SifidStyled = result.Values.Any(v => v.Styled.HasValue) ? result.Values.Where(v => v.Styled.HasValue).Average(v => v.Styled!.Value) : null,
        });
        return result;
    }
}
