using SinGanSeg.Abstractions;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Metrics;
using SinGanSeg.Core.Privacy;
using SinGanSeg.Core.Quality;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// The quality gate: Core's <see cref="QualityScorer"/> on the sample's mask and pixels, with SIFID
/// (the silo's SIFID features) judged against the spread of this model's first samples. Each
/// sample's raw SIFID is left on it, so the score stage does not compute it again.
/// </summary>
public sealed class QualityGate : ISampleGate, IDisposable
{
    private ISifidFeatures? _features;
    private SifidScorer? _scorer;
    private Tensor? _real;
    private SifidSpread? _spread;
    private double _sourceForeground;

    public void Prepare(StageContext c)
    {
        var size = c.Model!.OutputSize;
        _sourceForeground = MaskStatistics.ForegroundFraction(PairPixels.Load(c.ImagePath, c.MaskPath, size.Width, size.Height).Mask);
        _features = SifidFeatureFactory.Create(c.Options.Weights.InceptionV3, c.Device);
        _scorer = new SifidScorer(_features);
        _real = SifidScorer.LoadRgb01(c.ImagePath, c.Device);
        foreach (var s in c.Samples) Sifid(s);
        _spread = SifidSpread.Of([.. c.Samples.Select(s => s.Sifid!.Value)]);
    }

    public GateScores Score(StageContext c, SampleState sample)
    {
        var pixels = PairPixels.Load(sample.ImagePath, sample.MaskPath);
        var sifid = Sifid(sample);
        var q = QualityScorer.Score(sample.Foreground, _sourceForeground, MaskStatistics.LumaStd(pixels.Rgb), sifid, _spread);
        // The manifest's quality fields (README.md), in this order; reasons always written, even empty.
        return new GateScores(q.Score,
        [
            new("foreground", Math.Round(q.Foreground, 6)), new("sourceForeground", Math.Round(q.SourceForeground, 6)),
            new("imageStd", Math.Round(q.ImageStd, 5)), new("sifid", Math.Round(sifid, 6)),
            new("sifidRobustZ", q.SifidRobustZ is { } z ? Math.Round(z, 3) : null),
        ], [.. q.Reasons]);
    }

    /// <summary>The sample's raw SIFID, computed once and kept on it (the score stage reuses it).</summary>
    private double Sifid(SampleState s)
    {
        if (s.Sifid is { } known && s.SifidMetric == _scorer!.MetricName) return known;
        using var scope = NewDisposeScope();
        s.Sifid = _scorer!.Score(_real!, SifidScorer.LoadRgb01(s.ImagePath, _real!.device));
        s.SifidMetric = _scorer.MetricName;
        return s.Sifid.Value;
    }

    public void Dispose()
    {
        _real?.Dispose();
        _features?.Dispose();
    }
}
