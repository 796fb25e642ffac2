using SinGanSeg.Core.Model;
using SinGanSeg.Core.Style;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// A plain U-Net trained from scratch (no pretrained encoder): per level two 3×3 conv-BN-ReLU,
/// 2×2 max pooling down; up the same way as UNet++'s decoder blocks (nearest ×2, the level's
/// skip concatenated, two conv-BN-ReLU); a 1×1 head to the classes. It is the second, independent
/// evaluator: a pretrained ImageNet encoder can carry a model through weak training data, a
/// network that learns everything from the data cannot, so it shows what the data itself holds.
/// Input: RGB in [0, 1], N×3×H×W with H and W multiples of <see cref="UNetConfig.Divisor"/>;
/// output: one logits tensor N×classes×H×W (an array, as UNet++ returns).
/// </summary>
public sealed class UNet : Module<Tensor, Tensor[]>
{
    private readonly ModuleList<Sequential> down;
    private readonly ModuleList<DecoderBlock> up;
    // Few output channels: NarrowConv2d works around libtorch's wrong oneDNN input gradient for
    // such convs on the CPU (it made UNet++ training diverge to NaN).
    private readonly NarrowConv2d segmentation_head;

    public UNet(UNetConfig config) : base(nameof(UNet))
    {
        config.Validate();
        Config = config;
        var w = config.Widths;
        down = new ModuleList<Sequential>();
        for (var level = 0; level < w.Count; level++)
            down.Add(DecoderBlock.DoubleConv(level == 0 ? 3 : w[level - 1], w[level]));
        up = new ModuleList<DecoderBlock>();
        for (var level = w.Count - 2; level >= 0; level--)
            up.Add(new DecoderBlock(w[level + 1], w[level], w[level]));
        segmentation_head = new NarrowConv2d(w[0], config.Classes, 1);
        RegisterComponents();
    }

    public UNetConfig Config { get; }

    public override Tensor[] forward(Tensor rgb01)
    {
        var divisor = Config.Divisor;
        if (rgb01.dim() != 4 || rgb01.shape[1] != 3 || rgb01.shape[2] % divisor != 0 || rgb01.shape[3] % divisor != 0)
            throw new ArgumentException($"U-Net takes N×3×H×W with H and W multiples of {divisor}, got [{string.Join(",", rgb01.shape)}]");
        using var scope = NewDisposeScope();
        var x = ImageNetNormalization.Normalize(rgb01);
        var skips = new List<Tensor>();
        for (var level = 0; level < down.Count; level++)
        {
            if (level > 0) x = functional.max_pool2d(x, 2);
            x = down[level].call(x);
            skips.Add(x);
        }
        for (var i = 0; i < up.Count; i++)
            x = up[i].call(x, skips[^(i + 2)]);
        return [segmentation_head.call(x).MoveToOuterDisposeScope()];
    }
}
