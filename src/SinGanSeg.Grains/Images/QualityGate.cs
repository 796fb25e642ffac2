using SinGanSeg.Abstractions;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Metrics;
using SinGanSeg.Core.Privacy;
using SinGanSeg.Core.Quality;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// The quality gate: Core's <see cref="QualityScorer"/> on the sample's mask and pixels, with SIFID
/// (the silo's SIFID features) judged against the spread of this model's first samples.
/// </summary>
public sealed class QualityGate(QualityOptions options) : ISampleGate, IDisposable
{
    private ISifidFeatures? _features;
    private SifidScorer? _scorer;
    private Tensor? _real;
    private SifidSpread? _spread;
    private double _sourceForeground;
    private readonly Dictionary<string, double> _sifid = new(StringComparer.Ordinal);

    public string Name => "quality";
    public GatePolicy Policy => options.Policy;
    public int MaxTries => options.MaxTries;
    public double Threshold => options.Threshold ?? QualityScorer.Default;

    public void Prepare(StageContext c)
    {
        var size = c.Model!.OutputSize;
        _sourceForeground = MaskStatistics.ForegroundFraction(PairPixels.Load(c.ImagePath, c.MaskPath, size.Width, size.Height).Mask);
        _features = SifidFeatureFactory.Create(c.Options.Weights.InceptionV3, c.Device);
        _scorer = new SifidScorer(_features);
        _real = SifidScorer.LoadRgb01(c.ImagePath, c.Device);
        foreach (var s in c.Samples) _sifid[s.Name] = Sifid(s);
        _spread = SifidSpread.Of([.. _sifid.Values]);
    }

    public bool Check(StageContext c, SampleState sample)
    {
        var pixels = PairPixels.Load(sample.ImagePath, sample.MaskPath);
        var sifid = _sifid.TryGetValue(sample.Name, out var known) ? known : Sifid(sample);
        var q = QualityScorer.Score(sample.Foreground, _sourceForeground, MaskStatistics.LumaStd(pixels.Rgb), sifid, _spread);
        var flagged = q.Score >= Threshold;
        sample.Quality = new QualityResult(Math.Round(q.Foreground, 6), Math.Round(q.SourceForeground, 6), Math.Round(q.ImageStd, 5), Math.Round(sifid, 6),
            q.SifidRobustZ is { } z ? Math.Round(z, 3) : null, Math.Round(q.Score, 5), Threshold, flagged, [.. q.Reasons]);
        return flagged;
    }

    private double Sifid(SampleState s)
    {
        using var scope = NewDisposeScope();
        return _scorer!.Score(_real!, SifidScorer.LoadRgb01(s.ImagePath, _real!.device));
    }

    public void Dispose()
    {
        _real?.Dispose();
        _features?.Dispose();
    }
}
