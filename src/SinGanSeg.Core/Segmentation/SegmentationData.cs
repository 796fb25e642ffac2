using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>One image+mask file pair of a segmentation set.</summary>
public sealed record SegmentationPair(string Name, string ImagePath, string MaskPath);

/// <summary>
/// A set of pairs loaded at the training size: images N×3×S×S in [0, 1] (bilinear, antialiased),
/// masks N×1×S×S of 0/1 (nearest, from the binarised mask). Images are resized straight to the
/// square, as the paper's 128×128 training does. Kept on the CPU; batches move to the device.
/// </summary>
public sealed class SegmentationData : IDisposable
{
    private SegmentationData(IReadOnlyList<string> names, Tensor images, Tensor masks)
    {
        Names = names;
        Images = images;
        Masks = masks;
    }

    public IReadOnlyList<string> Names { get; }
    public Tensor Images { get; }
    public Tensor Masks { get; }
    public int Count => Names.Count;

    /// <summary>A set from tensors already at the training size (images N×3×S×S in [0, 1], masks N×1×S×S of 0/1); it takes ownership.</summary>
    public static SegmentationData Of(IReadOnlyList<string> names, Tensor images, Tensor masks)
    {
        if (images.dim() != 4 || images.shape[1] != 3 || masks.dim() != 4 || masks.shape[1] != 1 || images.shape[0] != names.Count || masks.shape[0] != names.Count)
            throw new ArgumentException($"need {names.Count} images N×3×S×S and masks N×1×S×S, got [{string.Join(",", images.shape)}] and [{string.Join(",", masks.shape)}]");
        return new SegmentationData(names, images, masks);
    }

    public static SegmentationData Load(IReadOnlyList<SegmentationPair> pairs, int size, ImageLimits? limits = null)
    {
        if (pairs.Count == 0) throw new ArgumentException("no image+mask pairs to load");
        if (size < 32 || size % 32 != 0) throw new ArgumentException($"image size must be a multiple of 32 (UNet++ halves it five times), got {size}");
        var loader = new ImagePairLoader((limits ?? ImageLimits.Default) with { AllowEmptyMask = true });
        var images = new List<Tensor>(pairs.Count);
        var masks = new List<Tensor>(pairs.Count);
        using var scope = NewDisposeScope();
        foreach (var p in pairs)
        {
            var pair = loader.LoadPair(p.ImagePath, p.MaskPath);
            var raw = tensor(pair.Rgbm, [1, pair.Height, pair.Width, 4]).permute(0, 3, 1, 2).to(ScalarType.Float32).Over(255f);
            images.Add(functional.interpolate(raw[.., ..3], [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true).Clamped(0, 1));
            masks.Add(functional.interpolate(raw[.., 3..], [size, size], mode: InterpolationMode.Nearest).round());
        }
        return new SegmentationData(pairs.Select(p => p.Name).ToArray(),
            cat(images.ToArray(), 0).MoveToOuterDisposeScope(), cat(masks.ToArray(), 0).MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Images.Dispose();
        Masks.Dispose();
    }
}
