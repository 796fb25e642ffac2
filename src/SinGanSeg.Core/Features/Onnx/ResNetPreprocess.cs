using static TorchSharp.torch;

namespace SinGanSeg.Core.Features.Onnx;

/// <summary>How pixel values arrive.</summary>
public enum PixelRange
{
    /// <summary>0–1 floats, as TorchSharp/torchvision image tensors usually are.</summary>
    Unit,
    /// <summary>0–255 floats, as ML.NET's ExtractPixels gives them.</summary>
    Byte,
}

/// <summary>
/// The input convention of the imported ResNet18 weights, read from the companion
/// ResNetPreprocess.onnx: RGB pixels in 0–255, reordered to BGR, minus a 224×224 BGR mean image
/// (per-channel means ≈ 103.1, 115.9, 123.2, varying by about ±10 across the image). There is no
/// division by a standard deviation: this is Caffe-style input, not torchvision's
/// (x − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225], so torchvision-normalised tensors must not
/// be fed to the imported network.
/// A 224×224 input gets the mean image exactly as ONNX does. Any other size gets the mean image's
/// per-channel mean instead: the mean image is the average of 224×224 training crops, so its small
/// spatial pattern belongs to that framing and stretching it over another would just add a
/// made-up pattern; a constant per-channel offset is what the network saw on average everywhere.
/// </summary>
public sealed class ResNetPreprocess : IDisposable
{
    public const int MeanImageSize = 224;

    private readonly Tensor meanImage;
    private readonly Tensor channelMean;

    private ResNetPreprocess(Tensor meanImageBgr)
    {
        // Owned by this object, not by whatever dispose scope the caller happens to be in.
        meanImage = meanImageBgr.DetachFromDisposeScope();
        channelMean = meanImageBgr.mean([2L, 3L], keepdim: true).DetachFromDisposeScope();
    }

    /// <summary>The mean image in BGR order, 1×3×224×224, 0–255 scale.</summary>
    public Tensor MeanImageBgr => meanImage;

    /// <summary>Per-channel means of the mean image, BGR order, 0–255 scale.</summary>
    public float[] ChannelMeanBgr => channelMean.flatten().data<float>().ToArray();

    public static ResNetPreprocess FromBundledOnnx() => FromOnnx(ResNet18Weights.FindBundledPreprocessOnnx());

    /// <summary>
    /// Reads the mean image from a preprocessing graph Split(RGB) → Concat(B, G, R) → Sub(mean),
    /// checking that it is that graph, so a changed package cannot silently change the convention.
    /// </summary>
    public static ResNetPreprocess FromOnnx(string path)
    {
        var graph = OnnxModel.Load(path).Graph;
        var nodes = new OnnxGraphWalk(graph).Ordered;
        if (nodes is not [{ OpType: "Split" } split, { OpType: "Concat" } concat, { OpType: "Sub" } sub]
            || !concat.Inputs.SequenceEqual(split.Outputs.Reverse())
            || split.Outputs.Count != 3
            || sub.Inputs[0] != concat.Outputs[0]
            || !graph.Initializers.TryGetValue(sub.Inputs[1], out var mean)
            || !mean.Dims.SequenceEqual([1L, 3L, MeanImageSize, MeanImageSize]))
            throw new InvalidDataException($"{path}: expected Split → Concat(B, G, R) → Sub(1×3×224×224 mean image), found {string.Join(" → ", nodes)}");
        return new ResNetPreprocess(tensor(mean.Floats, [1L, 3L, MeanImageSize, MeanImageSize]));
    }

    /// <summary>Maps an N×3×H×W RGB batch to what the imported ResNet18 expects.</summary>
    public Tensor Apply(Tensor rgb, PixelRange range)
    {
        if (rgb.dim() != 4 || rgb.shape[1] != 3)
            throw new ArgumentException($"expected an N×3×H×W RGB batch, got [{string.Join(",", rgb.shape)}]", nameof(rgb));
        using var scope = NewDisposeScope();
        var bgr = (range == PixelRange.Unit ? rgb * 255.0 : rgb).flip(1);
        var exact = rgb.shape[2] == MeanImageSize && rgb.shape[3] == MeanImageSize;
        var mean = (exact ? meanImage : channelMean).to(bgr.dtype, bgr.device);
        return (bgr - mean).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        meanImage.Dispose();
        channelMean.Dispose();
    }
}
