using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Model;

/// <summary>One scale's patch critic (the reference's WDiscriminator): conv blocks and a 1-channel conv, no padding.</summary>
public sealed class SinGanDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential head;
    private readonly Sequential body;
    private readonly NarrowConv2d tail;

    public SinGanDiscriminator(NetworkShape shape) : base("WDiscriminator")
    {
        Shape = shape;
        head = ConvBlocks.ConvBlock(shape.Channels, shape.Width, shape.KernelSize);
        (body, var outWidth) = ConvBlocks.Body(shape);
        tail = new NarrowConv2d(outWidth, 1, shape.KernelSize);
        RegisterComponents();
    }

    public NetworkShape Shape { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return tail.call(body.call(head.call(x))).MoveToOuterDisposeScope();
    }
}
