using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Model;

/// <summary>
/// A k×k convolution with few output channels (the generator's 4-channel tail, the critic's
/// 1-channel tail, UNet++'s 2-class heads), with Conv2d's parameter names (weight, bias).
///
/// Why it exists: libtorch 2.10's oneDNN path computes the float32 input gradient of convs
/// with 8 or fewer output channels wrongly on AVX-512 CPUs (relative error ~0.5, sometimes
/// NaN; measured on AMD EPYC, see docs/ARCHITECTURE.md). That gradient is what trains every
/// layer below the tail and what the gradient penalty differentiates. On the CPU the weight is
/// zero-padded to <see cref="CpuMinimumChannels"/> outputs, which takes a correct kernel, and
/// the extra outputs are dropped; values and gradients are unchanged. GPUs use the plain conv.
/// </summary>
public sealed class NarrowConv2d : Module<Tensor, Tensor>
{
    public const int CpuMinimumChannels = 16;

    private readonly Parameter weight;
    private readonly Parameter bias;

    private readonly long _padding;

    public NarrowConv2d(long inChannels, long outChannels, long kernelSize, long padding = 0) : base("Conv2d")
    {
        _padding = padding;
        weight = new Parameter(empty(outChannels, inChannels, kernelSize, kernelSize));
        bias = new Parameter(empty(outChannels));
        using (no_grad())
        {
            // PyTorch's Conv2d defaults; WeightInit replaces them for SinGAN.
            var bound = 1.0 / Math.Sqrt(inChannels * kernelSize * kernelSize);
            weight.uniform_(-bound, bound);
            bias.uniform_(-bound, bound);
        }
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter Bias => bias;

    public override Tensor forward(Tensor x)
    {
        var outChannels = weight.shape[0];
        if (x.device.type != DeviceType.CPU || outChannels >= CpuMinimumChannels)
            return nn.functional.conv2d(x, weight, bias, padding: [_padding, _padding]);
        using var scope = NewDisposeScope();
        var extra = CpuMinimumChannels - outChannels;
        var w = cat([weight, zeros([extra, weight.shape[1], weight.shape[2], weight.shape[3]], weight.dtype, weight.device)], 0);
        var b = cat([bias, zeros([extra], bias.dtype, bias.device)], 0);
        var y = nn.functional.conv2d(x, w, b, padding: [_padding, _padding])[.., ..(int)outChannels];
        return y.MoveToOuterDisposeScope();
    }
}
