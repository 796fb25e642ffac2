namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// Plain U-Net shape (Ronneberger et al. 2015, with batch norm): one width per level, shallowest
/// first; the image is halved between levels, so the input must be a multiple of
/// 2^(levels − 1). The default (32 … 512, five levels) is the original layout at half width.
/// </summary>
public sealed record UNetConfig
{
    public int Classes { get; init; } = 2;
    public IReadOnlyList<int> Widths { get; init; } = [32, 64, 128, 256, 512];

    public int Divisor => 1 << (Widths.Count - 1);

    public void Validate()
    {
        if (Classes < 2) throw new ArgumentException($"U-Net needs at least 2 classes (background and polyp), got {Classes}");
        // Narrower convolutions hit libtorch's wrong oneDNN input gradient on the CPU (see NarrowConv2d).
        if (Widths.Count is < 2 or > 6 || Widths.Any(w => w < 16))
            throw new ArgumentException($"U-Net widths must be 2 to 6 numbers of at least 16, got [{string.Join(",", Widths)}]");
    }
}
