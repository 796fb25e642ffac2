using SinGanSeg.Core.Features;
using SinGanSeg.Core.Features.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>
/// Style transfer on ResNet18, the network that works offline (ImageNet weights from the bundled
/// ONNX model). Layer mapping, chosen to sit at the same resolutions as the reference's VGG picks:
/// style on the stem (1/2), layer1 (1/4), layer2 (1/8), layer3 (1/16), layer4 (1/32) with the
/// reference's weights 0.75, 0.5, 0.25, 0.25, 0.25; content on layer3 (1/16, where the
/// reference's content layer, VGG features 28, sits). Each is read after its ReLU, as VGG's are. Pixels arrive ImageNet-normalised and are
/// converted here to what the weights were trained on.
/// </summary>
public sealed class ResNetStyleNetwork : IStyleNetwork
{
    private static readonly double[] Weights = [0.75, 0.5, 0.25, 0.25, 0.25];
    private static readonly ResNetStage[] Stages = [ResNetStage.Stem, ResNetStage.Layer1, ResNetStage.Layer2, ResNetStage.Layer3, ResNetStage.Layer4];
    private const int ContentStage = 3;
    private readonly ResNet18 _net;
    private readonly ResNetPreprocess? _caffe;

    /// <param name="caffeInput">The ONNX weights' input convention (BGR 0–255 minus the mean); null for torchvision weights, which take ImageNet-normalised RGB.</param>
    public ResNetStyleNetwork(ResNet18 net, ResNetPreprocess? caffeInput)
    {
        _net = net;
        _caffe = caffeInput;
    }

    /// <summary>The offline default: weights imported from the ONNX model shipped with the build.</summary>
    public static ResNetStyleNetwork Bundled(Device device)
    {
        var net = ResNet18Weights.FromBundledOnnxForAnySize();
        net.to(device);
        return new ResNetStyleNetwork(net, ResNetPreprocess.FromBundledOnnx());
    }

    public string Name => "resnet18";

    public IReadOnlyList<double> StyleWeights => Weights;

    public (Tensor[] Style, Tensor Content) Extract(Tensor normalised)
    {
        var input = _caffe is null
            ? normalised
            : _caffe.Apply(ImageNetNormalization.Denormalize(normalised), PixelRange.Unit);
        var f = _net.Features(input, Stages);
        return (f, f[ContentStage]);
    }

    public void Dispose()
    {
        _net.Dispose();
        _caffe?.Dispose();
    }
}
