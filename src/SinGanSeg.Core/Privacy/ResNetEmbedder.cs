using SinGanSeg.Core.Execution;
using TorchSharp;
using SinGanSeg.Core.Features;
using SinGanSeg.Core.Features.Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Privacy;

/// <summary>
/// ResNet18's pooled ImageNet features (the bundled offline weights) of an image resized to
/// 224×224, for the distance-to-closest-record measure: a sample whose embedding is much closer
/// to its source than real images of the dataset are to each other is a near-copy.
/// </summary>
public sealed class ResNetEmbedder : IDisposable
{
    private const int Size = 224;
    private readonly ResNet18 _net;
    private readonly ResNetPreprocess _caffe;
    private readonly Device _device;

    public ResNetEmbedder(Device device)
    {
        Native.TorchRuntime.EnsureLoaded();
        _device = device;
        _net = ResNet18Weights.FromBundledOnnxForAnySize();
        _net.to(device);
        _caffe = ResNetPreprocess.FromBundledOnnx();
    }

    /// <summary>The unit-length 512-vector of interleaved H×W RGB bytes.</summary>
    public float[] Embed(int height, int width, byte[] rgb)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = tensor(rgb, [height, width, 3]).permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32).Over(255f).to(_device);
        x = F.interpolate(x, [Size, Size], mode: InterpolationMode.Bilinear, align_corners: false);
        var f = _net.Features(_caffe.Apply(x, PixelRange.Unit), ResNetStage.Pool)[0];
        f = F.normalize(f, p: 2, dim: 1);
        return f.cpu().data<float>().ToArray();
    }

    /// <summary>Cosine distance of two unit vectors: 0 identical, 1 orthogonal.</summary>
    public static double Distance(float[] a, float[] b)
    {
        double dot = 0;
        for (var i = 0; i < a.Length; i++) dot += a[i] * b[i];
        return Math.Max(0, 1 - dot);
    }

    public void Dispose()
    {
        _net.Dispose();
        _caffe.Dispose();
    }
}
