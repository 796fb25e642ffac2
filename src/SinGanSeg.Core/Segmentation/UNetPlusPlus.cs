using SinGanSeg.Core.Features;
using SinGanSeg.Core.Features.Onnx;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Style;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// UNet++ (Zhou et al. 2018): a ResNet18 encoder and segmentation_models_pytorch's nested decoder
/// with dense skip pathways (node x_d_l sees every earlier node of its row plus the encoder skip).
/// Input: RGB in [0, 1], N×3×H×W with H and W multiples of 32; output: logits N×classes×H×W (a
/// list of them, deepest last, with deep supervision in train mode). The paper used an
/// se_resnext50_32x4d encoder; ResNet18 is the ImageNet encoder this project can ship offline.
/// </summary>
public sealed class UNetPlusPlus : Module<Tensor, Tensor[]>
{
    private static readonly int[] EncoderChannels = [64, 64, 128, 256, 512];
    private static readonly ResNetStage[] Stages = [ResNetStage.Stem, ResNetStage.Layer1, ResNetStage.Layer2, ResNetStage.Layer3, ResNetStage.Layer4];

    private readonly ResNet18 encoder;
    private readonly ModuleDict<DecoderBlock> blocks;
    // Few output channels: NarrowConv2d works around libtorch's wrong oneDNN input gradient for
    // such convs on the CPU, which here made UNet++ training diverge to NaN.
    private readonly NarrowConv2d segmentation_head;
    private readonly ModuleList<NarrowConv2d> supervision_heads;
    private readonly ResNetPreprocess? _caffe;
    private readonly int _depth;

    /// <param name="encoder">ImageNet ResNet18 (it becomes trainable).</param>
    /// <param name="caffeInput">The input convention of ONNX-imported weights; null for torchvision weights (ImageNet-normalised RGB).</param>
    public UNetPlusPlus(ResNet18 encoder, ResNetPreprocess? caffeInput, UNetPlusPlusConfig config) : base(nameof(UNetPlusPlus))
    {
        config.Validate();
        Config = config;
        this.encoder = encoder;
        encoder.Trainable = true;
        _caffe = caffeInput;
        var reversed = EncoderChannels.Reverse().ToArray();                  // 512, 256, 128, 64, 64
        var dec = config.DecoderChannels;
        int[] inChannels = [reversed[0], .. dec.Take(4)];
        int[] skipChannels = [.. reversed.Skip(1), 0];
        _depth = inChannels.Length - 1;
        blocks = new ModuleDict<DecoderBlock>();
        for (var layer = 0; layer < _depth; layer++)
        {
            for (var d = 0; d <= layer; d++)
            {
                long input, skip, output;
                if (d == 0)
                {
                    input = inChannels[layer];
                    skip = skipChannels[layer] * (layer + 1);
                    output = dec[layer];
                }
                else
                {
                    output = skipChannels[layer];
                    skip = skipChannels[layer] * (layer + 1 - d);
                    input = skipChannels[layer - 1];
                }
                blocks.Add(($"x_{d}_{layer}", new DecoderBlock(input, skip, output)));
            }
        }
        blocks.Add(($"x_0_{_depth}", new DecoderBlock(inChannels[^1], 0, dec[^1])));
        segmentation_head = new NarrowConv2d(dec[^1], config.Classes, 3, padding: 1);
        supervision_heads = new ModuleList<NarrowConv2d>();
        if (config.DeepSupervision)
            for (var layer = 1; layer < _depth; layer++) supervision_heads.Add(new NarrowConv2d(dec[layer], config.Classes, 1));
        RegisterComponents();
    }

    public UNetPlusPlusConfig Config { get; }

    /// <summary>An encoder from the bundled ONNX ResNet18 ImageNet weights.</summary>
    public static UNetPlusPlus WithBundledEncoder(UNetPlusPlusConfig config)
    {
        return new UNetPlusPlus(ResNet18Weights.FromBundledOnnxForAnySize(), ResNetPreprocess.FromBundledOnnx(), config);
    }

    /// <summary>An encoder from torchvision's resnet18 file.</summary>
    public static UNetPlusPlus WithTorchvisionEncoder(string path, UNetPlusPlusConfig config)
    {
        var encoder = new ResNet18();
        encoder.LoadTorchvision(path);
        return new UNetPlusPlus(encoder, null, config);
    }

    public override Tensor[] forward(Tensor rgb01)
    {
        if (rgb01.dim() != 4 || rgb01.shape[1] != 3 || rgb01.shape[2] % 32 != 0 || rgb01.shape[3] % 32 != 0)
            throw new ArgumentException($"UNet++ takes N×3×H×W with H and W multiples of 32, got [{string.Join(",", rgb01.shape)}]");
        using var scope = NewDisposeScope();
        var input = _caffe is null ? ImageNetNormalization.Normalize(rgb01) : _caffe.Apply(rgb01, PixelRange.Unit);
        var f = encoder.Features(input, Stages).Reverse().ToArray(); // layer4 … stem
        var x = new Dictionary<string, Tensor>();
        for (var layer = 0; layer < _depth; layer++)
        {
            for (var d = 0; d < _depth - layer; d++)
            {
                if (layer == 0)
                {
                    x[$"x_{d}_{d}"] = blocks[$"x_{d}_{d}"].call(f[d], f[d + 1]);
                }
                else
                {
                    var l = d + layer;
                    var skips = Enumerable.Range(d + 1, l - d).Select(i => x[$"x_{i}_{l}"]).Append(f[l + 1]).ToArray();
                    x[$"x_{d}_{l}"] = blocks[$"x_{d}_{l}"].call(x[$"x_{d}_{l - 1}"], cat(skips, 1));
                }
            }
        }
        var last = blocks[$"x_0_{_depth}"].call(x[$"x_0_{_depth - 1}"], null);
        var logits = segmentation_head.call(last);
        if (!training || !Config.DeepSupervision) return [logits.MoveToOuterDisposeScope()];
        var (h, w) = (rgb01.shape[2], rgb01.shape[3]);
        var outputs = new List<Tensor>();
        for (var i = 0; i < supervision_heads.Count; i++)
        {
            var side = supervision_heads[i].call(x[$"x_0_{i + 1}"]);
            outputs.Add(functional.interpolate(side, [h, w], mode: InterpolationMode.Bilinear, align_corners: false).MoveToOuterDisposeScope());
        }
        outputs.Add(logits.MoveToOuterDisposeScope());
        return [.. outputs];
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _caffe?.Dispose();
        base.Dispose(disposing);
    }
}
