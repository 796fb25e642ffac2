namespace SinGanSeg.Core.Imaging;

/// <summary>What the loader accepts. Dimensions are checked from the header before any pixel is decoded.</summary>
public sealed record ImageLimits
{
    public int MaxWidth { get; init; } = 4096;
    public int MaxHeight { get; init; } = 4096;

    /// <summary>Largest buffer the decoder may allocate; crafted files ask for far more than their size suggests.</summary>
    public int AllocationLimitMegabytes { get; init; } = 256;

    /// <summary>A pair whose mask has no foreground pixel is normally a labelling error.</summary>
    public bool AllowEmptyMask { get; init; }

    public static ImageLimits Default { get; } = new();
}
