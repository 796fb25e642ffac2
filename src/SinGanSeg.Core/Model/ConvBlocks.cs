using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Model;

/// <summary>The reference's building blocks, with its module names so state dicts line up with PyTorch's.</summary>
internal static class ConvBlocks
{
    /// <summary>conv (k×k, no padding) → norm (BatchNorm) → LeakyRelu(0.2).</summary>
    public static Sequential ConvBlock(long inChannels, long outChannels, long kernelSize) => Sequential(
        ("conv", Conv2d(inChannels, outChannels, kernelSize, stride: 1L, padding: 0L)),
        ("norm", new HeldBatchNorm2d(outChannels)),
        ("LeakyRelu", new LeakyRelu(0.2)));

    /// <summary>The body: layers − 2 blocks named block1…, narrowing as the reference does (a no-op when width == min width).</summary>
    public static (Sequential Body, long OutWidth) Body(NetworkShape shape)
    {
        var body = Sequential();
        long n = shape.Width;
        for (var i = 0; i < shape.Layers - 2; i++)
        {
            n = shape.Width / (1L << (i + 1));
            body.append($"block{i + 1}", ConvBlock(Math.Max(2 * n, shape.MinWidth), Math.Max(n, shape.MinWidth), shape.KernelSize));
        }
        return (body, Math.Max(n, shape.MinWidth));
    }
}
