using SinGanSeg.Core.Execution;
using TorchSharp;
using SinGanSeg.Core.Features;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Metrics;

/// <summary>
/// SIFID as its authors defined it: Inception v3's first block (64 channels, before the first
/// max-pool) on the image resized to 299×299 and mapped to [-1, 1].
/// </summary>
public sealed class InceptionSifidFeatures : ISifidFeatures, IDisposable
{
    public const string Name = "SIFID-Inception";

    private readonly InceptionV3 _network;
    private readonly bool _ownsNetwork;

    /// <param name="network">Inception v3 with torchvision's ImageNet weights (see <see cref="InceptionV3.LoadWeights"/>); moved to <paramref name="device"/>.</param>
    /// <param name="resizeInput">Resize to 299×299 first, as the SIFID reference configured here does.</param>
    /// <param name="ownsNetwork">Dispose the network with this extractor.</param>
    public InceptionSifidFeatures(InceptionV3 network, Device device, bool resizeInput = true, bool ownsNetwork = true)
    {
        _network = network;
        _ownsNetwork = ownsNetwork;
        Device = device;
        ResizeInput = resizeInput;
        _network.to(device);
    }

    /// <summary>Builds the network and loads torchvision weights from a zip-format .pth.</summary>
    public static InceptionSifidFeatures FromWeights(string weightsPath, Device device, bool resizeInput = true)
    {
        var network = GlobalRandom.Draw(() => new InceptionV3());
        try
        {
            network.LoadWeights(weightsPath);
            return new InceptionSifidFeatures(network, device, resizeInput);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public string MetricName => Name;

    public Device Device { get; }

    public bool ResizeInput { get; }

    public Tensor Extract(Tensor rgb01)
    {
        if (rgb01.dim() != 4 || rgb01.shape[0] != 1 || rgb01.shape[1] != 3)
            throw new ArgumentException($"expected a 1×3×H×W image, got [{string.Join(",", rgb01.shape)}]", nameof(rgb01));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = InceptionV3.Preprocess(rgb01.to(ScalarType.Float32), ResizeInput);
        return _network.FirstBlock(x).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        if (_ownsNetwork) _network.Dispose();
    }
}
