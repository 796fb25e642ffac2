using SinGanSeg.Core.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Imaging;

/// <summary>Writes generated pairs: an RGB PNG and a single-channel 0/255 PNG mask of the same size.</summary>
public static class SampleImageWriter
{
    private static readonly PngEncoder RgbEncoder = new() { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 };
    private static readonly PngEncoder MaskEncoder = new() { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 };

    public static void WriteRgb(string path, int height, int width, ReadOnlySpan<byte> rgb)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        AtomicFile.Write(path, s => image.Save(s, RgbEncoder));
    }

    public static void WriteMask(string path, int height, int width, ReadOnlySpan<byte> mask)
    {
        using var image = Image.LoadPixelData<L8>(mask, width, height);
        AtomicFile.Write(path, s => image.Save(s, MaskEncoder));
    }
}
