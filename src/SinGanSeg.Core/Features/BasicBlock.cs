using SinGanSeg.Core.Execution;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Features;

/// <summary>torchvision's BasicBlock; field names are the state-dict names (conv1, bn1, conv2, bn2, downsample.0/.1).</summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;
    private readonly long stride;

    internal BasicBlock(string name, long inChannels, long outChannels, long stride) : base(name)
    {
        this.stride = stride;
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = Sequential(
                ("0", Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", BatchNorm2d(outChannels)));
        RegisterComponents();
    }

    internal ResNetPadding Padding { get; set; }

    internal bool Trainable { get; set; }

    internal Conv2d Conv1 => conv1;
    internal BatchNorm2d Bn1 => bn1;
    internal Conv2d Conv2 => conv2;
    internal BatchNorm2d Bn2 => bn2;
    internal (Conv2d Conv, BatchNorm2d Norm)? Downsample =>
        downsample is null ? null : ((Conv2d)downsample[0], (BatchNorm2d)downsample[1]);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = ResNet18.Norm(StridedPadding.Conv(x, conv1.weight!, stride, Padding), bn1, Trainable).relu_();
        y = ResNet18.Norm(StridedPadding.Conv(y, conv2.weight!, 1, Padding), bn2, Trainable);
        var shortcut = Downsample is var (conv, norm) ? ResNet18.Norm(StridedPadding.Conv(x, conv.weight!, stride, Padding), norm, Trainable) : x;
        return y.PlusInPlace(shortcut).relu_().MoveToOuterDisposeScope();
    }
}
