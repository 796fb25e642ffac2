using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Features;

// torchvision's Inception v3 mixed blocks. Field names (including the underscores) are the
// state-dict names, which is what makes a torchvision .pth load without a key map.
#pragma warning disable IDE1006

/// <summary>Mixed_5b/5c/5d: 1×1, 5×5, double 3×3 and pooled branches at 35×35.</summary>
public sealed class InceptionA : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1, branch5x5_1, branch5x5_2, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3, branch_pool;

    public InceptionA(long inChannels, long poolFeatures) : base(nameof(InceptionA))
    {
        branch1x1 = new BasicConv2d(inChannels, 64, 1);
        branch5x5_1 = new BasicConv2d(inChannels, 48, 1);
        branch5x5_2 = new BasicConv2d(48, 64, 5, padding: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, padding: 1);
        branch_pool = new BasicConv2d(inChannels, poolFeatures, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = branch1x1.call(x);
        var b = branch5x5_2.call(branch5x5_1.call(x));
        var c = branch3x3dbl_3.call(branch3x3dbl_2.call(branch3x3dbl_1.call(x)));
        var d = branch_pool.call(functional.avg_pool2d(x, 3, 1, 1));
        return cat([a, b, c, d], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>Mixed_6a: grid reduction 35×35 → 17×17.</summary>
public sealed class InceptionB : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch3x3, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3;

    public InceptionB(long inChannels) : base(nameof(InceptionB))
    {
        branch3x3 = new BasicConv2d(inChannels, 384, 3, stride: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, stride: 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = branch3x3.call(x);
        var b = branch3x3dbl_3.call(branch3x3dbl_2.call(branch3x3dbl_1.call(x)));
        var c = functional.max_pool2d(x, 3, 2);
        return cat([a, b, c], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>Mixed_6b–6e: factorised 7×7 branches at 17×17.</summary>
public sealed class InceptionC : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1, branch7x7_1, branch7x7_2, branch7x7_3,
        branch7x7dbl_1, branch7x7dbl_2, branch7x7dbl_3, branch7x7dbl_4, branch7x7dbl_5, branch_pool;

    public InceptionC(long inChannels, long channels7x7) : base(nameof(InceptionC))
    {
        var c7 = channels7x7;
        branch1x1 = new BasicConv2d(inChannels, 192, 1);
        branch7x7_1 = new BasicConv2d(inChannels, c7, 1);
        branch7x7_2 = Row(c7, c7, 7);
        branch7x7_3 = Column(c7, 192, 7);
        branch7x7dbl_1 = new BasicConv2d(inChannels, c7, 1);
        branch7x7dbl_2 = Column(c7, c7, 7);
        branch7x7dbl_3 = Row(c7, c7, 7);
        branch7x7dbl_4 = Column(c7, c7, 7);
        branch7x7dbl_5 = Row(c7, 192, 7);
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = branch1x1.call(x);
        var b = branch7x7_3.call(branch7x7_2.call(branch7x7_1.call(x)));
        var c = branch7x7dbl_5.call(branch7x7dbl_4.call(branch7x7dbl_3.call(branch7x7dbl_2.call(branch7x7dbl_1.call(x)))));
        var d = branch_pool.call(functional.avg_pool2d(x, 3, 1, 1));
        return cat([a, b, c, d], 1).MoveToOuterDisposeScope();
    }

    internal static BasicConv2d Row(long inChannels, long outChannels, long k) => new(inChannels, outChannels, (1, k), (1, 1), (0, k / 2));
    internal static BasicConv2d Column(long inChannels, long outChannels, long k) => new(inChannels, outChannels, (k, 1), (1, 1), (k / 2, 0));
}

/// <summary>Mixed_7a: grid reduction 17×17 → 8×8.</summary>
public sealed class InceptionD : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch3x3_1, branch3x3_2, branch7x7x3_1, branch7x7x3_2, branch7x7x3_3, branch7x7x3_4;

    public InceptionD(long inChannels) : base(nameof(InceptionD))
    {
        branch3x3_1 = new BasicConv2d(inChannels, 192, 1);
        branch3x3_2 = new BasicConv2d(192, 320, 3, stride: 2);
        branch7x7x3_1 = new BasicConv2d(inChannels, 192, 1);
        branch7x7x3_2 = InceptionC.Row(192, 192, 7);
        branch7x7x3_3 = InceptionC.Column(192, 192, 7);
        branch7x7x3_4 = new BasicConv2d(192, 192, 3, stride: 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = branch3x3_2.call(branch3x3_1.call(x));
        var b = branch7x7x3_4.call(branch7x7x3_3.call(branch7x7x3_2.call(branch7x7x3_1.call(x))));
        var c = functional.max_pool2d(x, 3, 2);
        return cat([a, b, c], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>Mixed_7b/7c: expanded filter banks at 8×8.</summary>
public sealed class InceptionE : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1, branch3x3_1, branch3x3_2a, branch3x3_2b,
        branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3a, branch3x3dbl_3b, branch_pool;

    public InceptionE(long inChannels) : base(nameof(InceptionE))
    {
        branch1x1 = new BasicConv2d(inChannels, 320, 1);
        branch3x3_1 = new BasicConv2d(inChannels, 384, 1);
        branch3x3_2a = InceptionC.Row(384, 384, 3);
        branch3x3_2b = InceptionC.Column(384, 384, 3);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 448, 1);
        branch3x3dbl_2 = new BasicConv2d(448, 384, 3, padding: 1);
        branch3x3dbl_3a = InceptionC.Row(384, 384, 3);
        branch3x3dbl_3b = InceptionC.Column(384, 384, 3);
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = branch1x1.call(x);
        var b1 = branch3x3_1.call(x);
        var b = cat([branch3x3_2a.call(b1), branch3x3_2b.call(b1)], 1);
        var c1 = branch3x3dbl_2.call(branch3x3dbl_1.call(x));
        var c = cat([branch3x3dbl_3a.call(c1), branch3x3dbl_3b.call(c1)], 1);
        var d = branch_pool.call(functional.avg_pool2d(x, 3, 1, 1));
        return cat([a, b, c, d], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The auxiliary classifier. Only used in training by torchvision; it is here so that the
/// published weights (which include it) load strictly.
/// </summary>
public sealed class InceptionAux : Module<Tensor, Tensor>
{
    private readonly BasicConv2d conv0, conv1;
    private readonly Linear fc;

    public InceptionAux(long inChannels, long numClasses) : base(nameof(InceptionAux))
    {
        conv0 = new BasicConv2d(inChannels, 128, 1);
        conv1 = new BasicConv2d(128, 768, 5);
        fc = Linear(768, numClasses);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = conv1.call(conv0.call(functional.avg_pool2d(x, 5, 3)));
        return fc.call(functional.adaptive_avg_pool2d(y, [1, 1]).flatten(1)).MoveToOuterDisposeScope();
    }
}
