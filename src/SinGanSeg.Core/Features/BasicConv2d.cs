using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Features;

/// <summary>
/// torchvision's BasicConv2d: conv without bias → BatchNorm(eps 0.001) → ReLU. The field names
/// are the state-dict names ("conv", "bn"), so torchvision weights load as they are.
/// </summary>
public sealed class BasicConv2d : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    public BasicConv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding))
    {
    }

    public BasicConv2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long) stride, (long, long) padding)
        : base(nameof(BasicConv2d))
    {
        conv = Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: false);
        bn = BatchNorm2d(outChannels, eps: 0.001);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return functional.relu(bn.call(conv.call(x))).MoveToOuterDisposeScope();
    }
}
