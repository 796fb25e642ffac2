using static TorchSharp.torch.nn;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// The segmenters an evaluation can train, by the name users give (`--model unetpp,unet`).
/// UNet++ with the ImageNet ResNet18 encoder is the paper's evaluator and the default; the plain
/// U-Net from scratch is the second, independent one.
/// </summary>
public static class SegmentationModels
{
    public const string UNetPlusPlus = "unetpp";
    public const string UNet = "unet";
    public static readonly IReadOnlyList<string> All = [UNetPlusPlus, UNet];

    /// <summary>The names in a stable order (UNet++ first), duplicates dropped; unknown names are refused.</summary>
    public static IReadOnlyList<string> Normalize(IReadOnlyCollection<string>? models)
    {
        if (models is null || models.Count == 0) return [UNetPlusPlus];
        var unknown = models.FirstOrDefault(m => !All.Contains(m));
        if (unknown is not null) throw new ArgumentException($"unknown segmentation model '{unknown}'; use {string.Join(" or ", All)} (comma-separated for both)");
        return All.Where(models.Contains).ToList();
    }

    public static string DisplayName(string model) => model == UNet ? "U-Net (from scratch)" : "UNet++ (ImageNet ResNet18)";

    /// <summary>A fresh model. UNet++ takes its encoder from torchvision weights if given, else the bundled ImageNet ResNet18.</summary>
    public static Module<Tensor, Tensor[]> Create(string model, SegmentationTrainingConfig config, string? encoderWeights = null) => model switch
    {
        UNetPlusPlus => encoderWeights is null
            ? Segmentation.UNetPlusPlus.WithBundledEncoder(config.Network)
            : Segmentation.UNetPlusPlus.WithTorchvisionEncoder(encoderWeights, config.Network),
        UNet => new Segmentation.UNet(config.UNet),
        _ => throw new ArgumentException($"unknown segmentation model '{model}'; use {string.Join(" or ", All)}"),
    };
}
