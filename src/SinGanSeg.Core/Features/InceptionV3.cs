using SinGanSeg.Core.Execution;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Features;

// Field names are torchvision's attribute names: they become the state-dict keys.
#pragma warning disable IDE1006

/// <summary>
/// torchvision's Inception v3 (inception_v3, aux classifier included) with its exact
/// state-dict keys and shapes, so the published torchvision weights load strictly. Always in
/// eval mode: it is a frozen feature extractor, and BatchNorm must use its running statistics.
/// SIFID only runs <see cref="FirstBlock"/>; <see cref="forward"/> is the whole classifier.
/// </summary>
public sealed class InceptionV3 : Module<Tensor, Tensor>
{
    /// <summary>Channels of <see cref="FirstBlock"/>'s output.</summary>
    public const int FirstBlockChannels = 64;

    /// <summary>The side the SIFID reference resizes its inputs to.</summary>
    public const int InputSize = 299;

    private readonly BasicConv2d Conv2d_1a_3x3, Conv2d_2a_3x3, Conv2d_2b_3x3, Conv2d_3b_1x1, Conv2d_4a_3x3;
    private readonly InceptionA Mixed_5b, Mixed_5c, Mixed_5d;
    private readonly InceptionB Mixed_6a;
    private readonly InceptionC Mixed_6b, Mixed_6c, Mixed_6d, Mixed_6e;
    private readonly InceptionAux AuxLogits;
    private readonly InceptionD Mixed_7a;
    private readonly InceptionE Mixed_7b, Mixed_7c;
    private readonly Linear fc;

    public InceptionV3(long numClasses = 1000) : base("Inception3")
    {
        Conv2d_1a_3x3 = new BasicConv2d(3, 32, 3, stride: 2);
        Conv2d_2a_3x3 = new BasicConv2d(32, 32, 3);
        Conv2d_2b_3x3 = new BasicConv2d(32, 64, 3, padding: 1);
        Conv2d_3b_1x1 = new BasicConv2d(64, 80, 1);
        Conv2d_4a_3x3 = new BasicConv2d(80, 192, 3);
        Mixed_5b = new InceptionA(192, 32);
        Mixed_5c = new InceptionA(256, 64);
        Mixed_5d = new InceptionA(288, 64);
        Mixed_6a = new InceptionB(288);
        Mixed_6b = new InceptionC(768, 128);
        Mixed_6c = new InceptionC(768, 160);
        Mixed_6d = new InceptionC(768, 160);
        Mixed_6e = new InceptionC(768, 192);
        AuxLogits = new InceptionAux(768, numClasses);
        Mixed_7a = new InceptionD(768);
        Mixed_7b = new InceptionE(1280);
        Mixed_7c = new InceptionE(2048);
        fc = Linear(2048, numClasses);
        RegisterComponents();
        base.train(false);
        foreach (var p in parameters()) p.requires_grad = false;
    }

    /// <summary>Stays in eval mode whatever is asked: running statistics are part of the published weights.</summary>
    public override void train(bool train = true) => base.train(false);

    /// <summary>
    /// The SIFID reference's block 0: Conv2d_1a_3x3 → Conv2d_2a_3x3 → Conv2d_2b_3x3, i.e. the 64
    /// channels that feed the first max-pool, without running anything after them. Input is in
    /// the network's space ([-1, 1], see <see cref="Preprocess"/>), N×3×H×W.
    /// </summary>
    public Tensor FirstBlock(Tensor x)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Conv2d_2b_3x3.call(Conv2d_2a_3x3.call(Conv2d_1a_3x3.call(x))).MoveToOuterDisposeScope();
    }

    /// <summary>ImageNet logits of the whole network (eval mode; no aux output, no input transform).</summary>
    public override Tensor forward(Tensor x)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var y = functional.max_pool2d(Conv2d_2b_3x3.call(Conv2d_2a_3x3.call(Conv2d_1a_3x3.call(x))), 3, 2);
        y = functional.max_pool2d(Conv2d_4a_3x3.call(Conv2d_3b_1x1.call(y)), 3, 2);
        y = Mixed_5d.call(Mixed_5c.call(Mixed_5b.call(y)));
        y = Mixed_6e.call(Mixed_6d.call(Mixed_6c.call(Mixed_6b.call(Mixed_6a.call(y)))));
        y = Mixed_7c.call(Mixed_7b.call(Mixed_7a.call(y)));
        return fc.call(functional.adaptive_avg_pool2d(y, [1, 1]).flatten(1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The SIFID reference's input handling for images in [0, 1]: bilinear resize to 299×299
    /// (align_corners = false, as F.interpolate/upsample does) when asked, then 2x − 1.
    /// </summary>
    public static Tensor Preprocess(Tensor rgb01, bool resize = true)
    {
        using var scope = NewDisposeScope();
        var x = resize
            ? functional.interpolate(rgb01, [InputSize, InputSize], mode: InterpolationMode.Bilinear, align_corners: false)
            : rgb01;
        return x.Times(2).Minus(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Loads a torchvision Inception v3 state dict (a zip-format torch.save file) into this
    /// module. Keys and shapes are checked before anything is copied, so a wrong file leaves the
    /// module untouched and the error names the file and the offending keys.
    /// </summary>
    public InceptionV3 LoadWeights(string path)
    {
        TorchvisionWeights.LoadStrict(this, path);
        return this;
    }
}
