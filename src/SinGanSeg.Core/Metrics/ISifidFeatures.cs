using static TorchSharp.torch;

namespace SinGanSeg.Core.Metrics;

/// <summary>
/// A frozen network's early feature map, the thing SIFID fits Gaussians to. Implementations
/// own their network and keep it on one device.
/// </summary>
public interface ISifidFeatures : IDisposable
{
    /// <summary>Names the metric in reports, e.g. "SIFID-Inception"; scores from different extractors are not comparable.</summary>
    string MetricName { get; }

    /// <summary>Where the network lives; <see cref="Extract"/> expects its input there.</summary>
    Device Device { get; }

    /// <summary>1×3×H×W RGB in [0, 1] on <see cref="Device"/> → 1×C×h×w features on <see cref="Device"/>, without gradients.</summary>
    Tensor Extract(Tensor rgb01);
}
