using SinGanSeg.Abstractions;
using SinGanSeg.Core.Privacy;

namespace SinGanSeg.Grains.Images;

/// <summary>The privacy gate: Core's <see cref="CopyDetector"/> and ResNet18 embedding distance against the sample's source.</summary>
public sealed class CopyGate(CopyCheckOptions options) : ISampleGate, IDisposable
{
    private CopyDetector? _detector;
    private ResNetEmbedder? _embedder;
    private float[]? _sourceEmbedding;

    public string Name => "copyCheck";
    public GatePolicy Policy => options.Policy;
    public int MaxTries => options.MaxTries;
    public double Threshold => options.Threshold ?? CopyThresholds.Default;

    public void Prepare(StageContext c)
    {
        var size = c.Model!.OutputSize;
        var source = PairPixels.Load(c.ImagePath, c.MaskPath, size.Width, size.Height);
        _detector = new CopyDetector(source);
        _embedder ??= new ResNetEmbedder(c.Device);
        _sourceEmbedding = _embedder.Embed(source.Height, source.Width, source.Rgb);
    }

    public bool Check(StageContext c, SampleState sample)
    {
        var pixels = PairPixels.Load(sample.ImagePath, sample.MaskPath);
        var distance = ResNetEmbedder.Distance(_embedder!.Embed(pixels.Height, pixels.Width, pixels.Rgb), _sourceEmbedding!);
        var s = _detector!.Score(pixels, distance);
        var flagged = s.Score >= Threshold;
        sample.CopyCheck = new CopyCheckResult(Round(s.Ncc), Round(s.MaskIou), Round(s.PatchCopyShare), Round(distance), Round(s.Score), Threshold, flagged, s.Alignment);
        return flagged;
    }

    private static double Round(double v) => Math.Round(v, 5);

    public void Dispose() => _embedder?.Dispose();
}
