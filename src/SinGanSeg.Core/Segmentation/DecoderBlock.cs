using SinGanSeg.Core.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>smp's DecoderBlock: nearest ×2 upsampling, concatenation with the skips, two conv-BN-ReLU.</summary>
public sealed class DecoderBlock : Module<Tensor, Tensor?, Tensor>
{
    private readonly Sequential conv1;
    private readonly Sequential conv2;

    public DecoderBlock(long inChannels, long skipChannels, long outChannels) : base(nameof(DecoderBlock))
    {
        conv1 = ConvBnRelu(inChannels + skipChannels, outChannels);
        conv2 = ConvBnRelu(outChannels, outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? skip)
    {
        using var scope = NewDisposeScope();
        var up = functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        if (skip is not null) up = cat([up, skip], 1);
        return conv2.call(conv1.call(up)).MoveToOuterDisposeScope();
    }

    /// <summary>Two conv-BN-ReLU in a row (a U-Net level).</summary>
    public static Sequential DoubleConv(long input, long output) => Sequential(("conv1", ConvBnRelu(input, output)), ("conv2", ConvBnRelu(output, output)));

    private static Sequential ConvBnRelu(long input, long output) => Sequential(
        ("0", Conv2d(input, output, 3, padding: 1, bias: false)),
        ("1", new HeldBatchNorm2d(output)),
        ("2", ReLU(inplace: true)));
}
