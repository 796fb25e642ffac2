namespace SinGanSeg.Core.Interop;

/// <summary>
/// How much a .pth file may make the reader allocate or walk. A torch.save file declares its own
/// sizes (storage lengths, tensor shapes and strides, nesting), so a damaged or hostile one could
/// otherwise claim gigabytes or nest past the stack; the defaults admit torchvision's largest
/// ImageNet weights (VGG19, 548 MB) with room to spare.
/// </summary>
public sealed record TorchArchiveLimits
{
    /// <summary>The pickle program (data.pkl) itself.</summary>
    public long MaxPickleBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>One storage (VGG's first classifier layer is 411 MB).</summary>
    public long MaxStorageBytes { get; init; } = 1L << 30;

    /// <summary>All storages of one file together.</summary>
    public long MaxTotalBytes { get; init; } = 2L << 30;

    /// <summary>Distinct storages in one file.</summary>
    public int MaxStorages { get; init; } = 100_000;

    /// <summary>Elements of one rebuilt tensor.</summary>
    public long MaxTensorElements { get; init; } = 1L << 28;

    /// <summary>Nesting of the loaded value (lists, dicts, tuples, objects); cycles are refused outright.</summary>
    public int MaxDepth { get; init; } = 256;

    public static TorchArchiveLimits Default { get; } = new();
}
