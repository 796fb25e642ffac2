using SinGanSeg.Abstractions;
using SinGanSeg.Core.Privacy;

namespace SinGanSeg.Grains.Images;

/// <summary>The privacy gate: Core's <see cref="CopyDetector"/> and ResNet18 embedding distance against the sample's source.</summary>
public sealed class CopyGate : ISampleGate, IDisposable
{
    private CopyDetector? _detector;
    private ResNetEmbedder? _embedder;
    private float[]? _sourceEmbedding;

    public void Prepare(StageContext c)
    {
        var size = c.Model!.OutputSize;
        var source = PairPixels.Load(c.ImagePath, c.MaskPath, size.Width, size.Height);
        _detector = new CopyDetector(source);
        _embedder ??= new ResNetEmbedder(c.Device);
        _sourceEmbedding = _embedder.Embed(source.Height, source.Width, source.Rgb);
    }

    public GateScores Score(StageContext c, SampleState sample)
    {
        var pixels = PairPixels.Load(sample.ImagePath, sample.MaskPath);
        var distance = ResNetEmbedder.Distance(_embedder!.Embed(pixels.Height, pixels.Width, pixels.Rgb), _sourceEmbedding!);
        var s = _detector!.Score(pixels, distance);
        // The manifest's copyCheck fields (README.md), in this order.
        return new GateScores(s.Score,
            [new("ncc", Round(s.Ncc)), new("maskIou", Round(s.MaskIou)), new("patchCopyShare", Round(s.PatchCopyShare)), new("embeddingDistance", Round(distance))],
            Detail: new GateNote("alignment", s.Alignment));
    }

    private static double Round(double v) => Math.Round(v, 5);

    public void Dispose() => _embedder?.Dispose();
}
