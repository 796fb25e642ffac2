using TorchSharp;
using SinGanSeg.Core.Features;
using SinGanSeg.Core.Features.Onnx;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Metrics;

/// <summary>
/// SIFID's computation on ResNet18's stem (conv1+bn1+relu: 64 channels before the first
/// max-pool, the same place in the network as Inception's first block) when no Inception weights
/// are available. Reported as "SIFID-ResNet18-stem": its values are not comparable with
/// SIFID-Inception's. Input at its own size (the stem is fully convolutional).
/// </summary>
public sealed class ResNetStemSifidFeatures : ISifidFeatures, IDisposable
{
    public const string Name = "SIFID-ResNet18-stem";

    private readonly ResNet18 _network;
    private readonly ResNetPreprocess _caffe;

    private ResNetStemSifidFeatures(ResNet18 network, ResNetPreprocess caffe, Device device)
    {
        _network = network;
        _caffe = caffe;
        Device = device;
        network.to(device);
    }

    /// <summary>The bundled ImageNet weights (ONNX model shipped with the build).</summary>
    public static ResNetStemSifidFeatures Bundled(Device device)
    {
        return new ResNetStemSifidFeatures(ResNet18Weights.FromBundledOnnxForAnySize(), ResNetPreprocess.FromBundledOnnx(), device);
    }

    public string MetricName => Name;

    public Device Device { get; }

    public Tensor Extract(Tensor rgb01)
    {
        if (rgb01.dim() != 4 || rgb01.shape[0] != 1 || rgb01.shape[1] != 3)
            throw new ArgumentException($"expected a 1×3×H×W image, got [{string.Join(",", rgb01.shape)}]", nameof(rgb01));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = _caffe.Apply(rgb01.to(ScalarType.Float32), PixelRange.Unit);
        return _network.Features(x, ResNetStage.Stem)[0].MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _network.Dispose();
        _caffe.Dispose();
    }
}
