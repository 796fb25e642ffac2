using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Features;

/// <summary>The convolutions and the max pool of ResNet, padded by either convention.</summary>
internal static class StridedPadding
{
    /// <summary>A bias-free convolution with torchvision's padding (k−1)/2, or CNTK's for <see cref="ResNetPadding.Asymmetric"/>.</summary>
    public static Tensor Conv(Tensor x, Tensor weight, long stride, ResNetPadding padding)
    {
        var k = weight.shape[^1];
        var (before, after) = Pads(k, stride, padding);
        var strides = new[] { stride, stride };
        if (before == after) return F.conv2d(x, weight, null, strides, new[] { before, before });
        using var padded = F.pad(x, new[] { before, after, before, after });
        return F.conv2d(padded, weight, null, strides, new[] { 0L, 0L });
    }

    /// <summary>The 3×3 stride-2 max pool after the stem.</summary>
    public static Tensor MaxPool(Tensor x, ResNetPadding padding)
    {
        var (before, after) = Pads(3, 2, padding);
        if (before == after) return F.max_pool2d(x, new[] { 3L, 3L }, new[] { 2L, 2L }, new[] { before, before });
        // −∞ so the padding never wins the max, as in max_pool2d's own padding.
        using var padded = F.pad(x, new[] { before, after, before, after }, value: double.NegativeInfinity);
        return F.max_pool2d(padded, new[] { 3L, 3L }, new[] { 2L, 2L });
    }

    /// <summary>
    /// Both conventions pad (k−1)/2 before; CNTK pads one less after when it strides, the total
    /// k−stride that "same" output size ceil(n/stride) needs.
    /// </summary>
    public static (long Before, long After) Pads(long kernel, long stride, ResNetPadding padding)
    {
        var before = (kernel - 1) / 2;
        var after = padding == ResNetPadding.Asymmetric && stride > 1 && kernel > 1 ? before - 1 : before;
        return (before, after);
    }
}
