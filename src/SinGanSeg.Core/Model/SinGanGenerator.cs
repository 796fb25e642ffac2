using SinGanSeg.Core.Execution;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Model;

/// <summary>
/// One scale's generator (the reference's GeneratorConcatSkip2CleanAdd): five unpadded conv
/// blocks whose tanh output is added to the centre crop of the upsampled previous image.
/// Parameter names equal the reference's (head.conv.weight, body.block1.norm.running_mean,
/// tail.0.bias, …) so PyTorch state dicts load unchanged.
/// </summary>
public sealed class SinGanGenerator : Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential head;
    private readonly Sequential body;
    private readonly Sequential tail;

    public SinGanGenerator(NetworkShape shape) : base("GeneratorConcatSkip2CleanAdd")
    {
        Shape = shape;
        head = ConvBlocks.ConvBlock(shape.Channels, shape.Width, shape.KernelSize);
        (body, var outWidth) = ConvBlocks.Body(shape);
        tail = Sequential(("0", new NarrowConv2d(outWidth, shape.Channels, shape.KernelSize)), ("1", Tanh()));
        RegisterComponents();
    }

    public NetworkShape Shape { get; }

    /// <param name="noise">noise·amplitude + padded previous image, [B, C, H+2p, W+2p]</param>
    /// <param name="previous">the padded previous image, same size</param>
    public override Tensor forward(Tensor noise, Tensor previous)
    {
        using var scope = NewDisposeScope();
        var x = tail.call(body.call(head.call(noise)));
        // The reference trims the same margin on both axes, taken from the height difference.
        var ind = (previous.shape[2] - x.shape[2]) / 2;
        var y = previous[.., .., TensorIndex.Slice(ind, previous.shape[2] - ind), TensorIndex.Slice(ind, previous.shape[3] - ind)];
        return x.Plus(y).MoveToOuterDisposeScope();
    }
}
