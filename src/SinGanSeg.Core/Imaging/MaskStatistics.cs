using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Imaging;

/// <summary>Pixel statistics of a generated pair: the mask's foreground share and the image's contrast.</summary>
public static class MaskStatistics
{
    /// <summary>Share of mask pixels that are foreground (non-zero).</summary>
    public static double ForegroundFraction(ReadOnlySpan<byte> mask)
    {
        if (mask.Length == 0) return 0;
        long fg = 0;
        foreach (var b in mask) if (b != 0) fg++;
        return (double)fg / mask.Length;
    }

    /// <summary>Foreground share of a mask file (any non-zero pixel counts, as the writer stores 0/255).</summary>
    public static double ForegroundFraction(string maskPath)
    {
        using var mask = Image.Load<L8>(maskPath);
        long fg = 0;
        mask.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++) foreach (var p in rows.GetRowSpan(y)) if (p.PackedValue != 0) fg++;
        });
        return (double)fg / ((long)mask.Width * mask.Height);
    }

    /// <summary>Standard deviation of the luma (0…1) of interleaved RGB bytes: near 0 for a collapsed, near-constant image.</summary>
    public static double LumaStd(ReadOnlySpan<byte> rgb)
    {
        var n = rgb.Length / 3;
        if (n == 0) return 0;
        double sum = 0, sq = 0;
        for (var i = 0; i < n; i++)
        {
            var l = (0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) / 255.0;
            sum += l;
            sq += l * l;
        }
        var mean = sum / n;
        return Math.Sqrt(Math.Max(0, sq / n - mean * mean));
    }
}
