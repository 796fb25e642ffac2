namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// UNet++ shape. The decoder follows segmentation_models_pytorch's UnetPlusPlusDecoder (the
/// paper's experiments used that library), whose default channels are 256, 128, 64, 32, 16.
/// </summary>
public sealed record UNetPlusPlusConfig
{
    public int Classes { get; init; } = 2;
    public IReadOnlyList<int> DecoderChannels { get; init; } = [256, 128, 64, 32, 16];

    /// <summary>Extra heads on the intermediate full-depth nodes x_0_1 … x_0_3, averaged into the loss (Zhou et al.'s deep supervision).</summary>
    public bool DeepSupervision { get; init; }

    public void Validate()
    {
        if (Classes < 2) throw new ArgumentException($"UNet++ needs at least 2 classes (background and polyp), got {Classes}");
        // Narrower convolutions hit libtorch's wrong oneDNN input gradient on the CPU (see NarrowConv2d).
        if (DecoderChannels.Count != 5 || DecoderChannels.Any(c => c < 16))
            throw new ArgumentException($"decoder channels must be five numbers of at least 16, got [{string.Join(",", DecoderChannels)}]");
    }
}
