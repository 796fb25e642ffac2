using SinGanSeg.Core.Execution;
using TorchSharp;
using SinGanSeg.Core.Imaging;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Metrics;

/// <summary>SIFID of one real/fake pair: the Fréchet distance between their feature maps' Gaussians.</summary>
public sealed record SifidScore(string Real, string Fake, double Value);

/// <summary>Per-pair SIFID and their mean, as the reference reports it.</summary>
public sealed record SifidReport(string MetricName, IReadOnlyList<SifidScore> Scores)
{
    public double Mean => Scores.Count == 0 ? double.NaN : Scores.Average(s => s.Value);
}

/// <summary>
/// Single-image FID: each image's feature map is one sample set (one sample per position), and a
/// real image is compared with one fake image. Features run on the extractor's device; the
/// distance itself in float64 on the CPU (<see cref="FrechetDistance"/>).
/// </summary>
public sealed class SifidScorer(ISifidFeatures features)
{
    public string MetricName => features.MetricName;

    /// <summary>
    /// SIFID between two 1×3×H×W images in [0, 1] (any device). A real image of another size is
    /// first resized to the generated one's (bilinear, antialiased): SinGAN samples are made at
    /// the training resolution, and comparing a 600-px photo with its 250-px samples would
    /// measure the resolution gap, not the samples.
    /// </summary>
    public double Score(Tensor real01, Tensor fake01)
    {
        using var scope = NewDisposeScope();
        var (h, w) = (fake01.shape[2], fake01.shape[3]);
        if (real01.shape[2] != h || real01.shape[3] != w)
            real01 = nn.functional.interpolate(real01.to(ScalarType.Float32), [h, w], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true).Clamped(0, 1);
        var real = features.Extract(real01.to(features.Device));
        var fake = features.Extract(fake01.to(features.Device));
        return FrechetDistance.Between(real, fake);
    }

    /// <summary>SIFID for image files (PNG/JPEG), read as 8-bit RGB divided by 255.</summary>
    public double Score(string realPath, string fakePath)
    {
        using var scope = NewDisposeScope();
        return Score(LoadRgb01(realPath, features.Device), LoadRgb01(fakePath, features.Device));
    }

    /// <summary>Scores each (real, fake) file pair in order; the report's mean is the reference's summary number.</summary>
    public SifidReport ScorePairs(IEnumerable<(string Real, string Fake)> pairs, CancellationToken cancellationToken = default)
    {
        var scores = new List<SifidScore>();
        foreach (var (real, fake) in pairs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            scores.Add(new SifidScore(real, fake, Score(real, fake)));
        }
        return new SifidReport(MetricName, scores);
    }

    /// <summary>
    /// 1×3×H×W float32 in [0, 1] on <paramref name="device"/>: bytes / 255 in float32, as the
    /// reference's imread(…).astype(float32) / 255 does for JPEGs. Any alpha is dropped.
    /// </summary>
    public static Tensor LoadRgb01(string path, Device device) => ImagePairLoader.Default.LoadRgb(path).ToTensor01(device);
}
