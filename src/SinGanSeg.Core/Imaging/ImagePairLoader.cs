using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Imaging;

/// <summary>
/// Loads image+mask pairs (or the reference's single RGBA PNG) and rejects bad input with an
/// error that names the file and the fix. Only the PNG and JPEG decoders are enabled and every
/// decode runs under an allocation limit: ImageSharp 2.1.x can be driven out of memory by
/// crafted files of other formats (BMP), and huge images are refused from their header alone.
/// </summary>
public sealed class ImagePairLoader(ImageLimits limits)
{
    private readonly Configuration _config = CreateConfiguration(limits);

    public ImageLimits Limits { get; } = limits;

    public static ImagePairLoader Default { get; } = new(ImageLimits.Default);

    /// <summary>An RGB image (JPEG/PNG) and its mask (1- or 3-channel, binarised at >= 128).</summary>
    public ImagePair LoadPair(string imagePath, string maskPath)
    {
        var (iw, ih) = Identify(imagePath);
        var (mw, mh) = Identify(maskPath);
        if (iw != mw || ih != mh)
            throw new InvalidInputException(maskPath, $"mask is {mw}x{mh} but its image {Path.GetFileName(imagePath)} is {iw}x{ih}",
                "Provide the mask that belongs to this image, at the same width and height.");

        using var image = Decode<Rgb24>(imagePath);
        using var mask = Decode<L8>(maskPath);
        var rgbm = new byte[ih * iw * 4];
        image.ProcessPixelRows(mask, (img, msk) =>
        {
            for (var y = 0; y < img.Height; y++)
            {
                var irow = img.GetRowSpan(y);
                var mrow = msk.GetRowSpan(y);
                var o = y * iw * 4;
                for (var x = 0; x < iw; x++, o += 4)
                {
                    rgbm[o] = irow[x].R;
                    rgbm[o + 1] = irow[x].G;
                    rgbm[o + 2] = irow[x].B;
                    rgbm[o + 3] = mrow[x].PackedValue >= 128 ? (byte)255 : (byte)0;
                }
            }
        });
        return Checked(new ImagePair(Path.GetFileNameWithoutExtension(imagePath), ih, iw, rgbm), maskPath);
    }

    /// <summary>The reference's own input: one RGBA PNG whose alpha channel is the mask.</summary>
    public ImagePair LoadRgba(string path)
    {
        var (w, h) = Identify(path);
        using var image = Decode<Rgba32>(path);
        var rgbm = new byte[h * w * 4];
        image.CopyPixelDataTo(rgbm);
        for (var i = 3; i < rgbm.Length; i += 4) rgbm[i] = rgbm[i] >= 128 ? (byte)255 : (byte)0;
        return Checked(new ImagePair(Path.GetFileNameWithoutExtension(path), h, w, rgbm), path);
    }

    /// <summary>An RGB image on its own (what SIFID compares); the mask channel is all foreground.</summary>
    public ImagePair LoadRgb(string path)
    {
        var (w, h) = Identify(path);
        using var image = Decode<Rgba32>(path);
        var rgbm = new byte[h * w * 4];
        image.CopyPixelDataTo(rgbm);
        for (var i = 3; i < rgbm.Length; i += 4) rgbm[i] = 255;
        return new ImagePair(Path.GetFileNameWithoutExtension(path), h, w, rgbm);
    }

    /// <summary>Width and height from the header, after checking the file exists, is PNG/JPEG and is within the limits.</summary>
    public (int Width, int Height) Identify(string path)
    {
        if (!File.Exists(path))
            throw new InvalidInputException(path, "file not found", "Check the path; images and masks are paired by file name.");
        IImageInfo? info;
        SixLabors.ImageSharp.Formats.IImageFormat? format;
        try
        {
            info = Image.Identify(_config, path, out format);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException or InvalidMemoryOperationException)
        {
            throw new InvalidInputException(path, $"unreadable image header ({e.Message})", "Re-export the file as PNG or JPEG.", e);
        }
        catch (IOException e)
        {
            throw new InvalidInputException(path, $"cannot be read ({e.Message})", "Check the file's permissions and that it is complete.", e);
        }
        if (info is null)
            throw new InvalidInputException(path, "not a PNG or JPEG image", "Convert it to PNG or JPEG; other formats are not accepted.");
        if (info.Width > Limits.MaxWidth || info.Height > Limits.MaxHeight)
            throw new InvalidInputException(path, $"image is {info.Width}x{info.Height}, over the {Limits.MaxWidth}x{Limits.MaxHeight} limit",
                "Downscale it (SinGAN-Seg trains at 250 px at most anyway) or raise the limit (--max-image-size).");
        if (info.Width < 1 || info.Height < 1)
            throw new InvalidInputException(path, "image has no pixels", "Replace the file.");
        CheckComplete(path, format);
        return (info.Width, info.Height);
    }

    /// <summary>
    /// Decoders fill a truncated file's missing rows with grey instead of failing, which would
    /// train a model on half an image; a complete file ends with its format's end marker.
    /// </summary>
    private static void CheckComplete(string path, SixLabors.ImageSharp.Formats.IImageFormat? format)
    {
        ReadOnlySpan<byte> marker = format switch
        {
            JpegFormat => [0xFF, 0xD9],
            PngFormat => "IEND"u8,
            _ => [],
        };
        if (marker.IsEmpty) return;
        using var file = File.OpenRead(path);
        var tailLength = (int)Math.Min(file.Length, 4096);
        var tail = new byte[tailLength];
        file.Seek(-tailLength, SeekOrigin.End);
        file.ReadExactly(tail);
        if (tail.AsSpan().LastIndexOf(marker) < 0)
            throw new InvalidInputException(path, $"truncated {format!.Name} (no end-of-image marker)", "The file was cut off; copy or export it again.");
    }

    private Image<TPixel> Decode<TPixel>(string path) where TPixel : unmanaged, IPixel<TPixel>
    {
        try
        {
            return Image.Load<TPixel>(_config, path);
        }
        catch (InvalidMemoryOperationException e)
        {
            throw new InvalidInputException(path, $"decoding needs more than {Limits.AllocationLimitMegabytes} MB", "The file is malformed or far too large; re-export it.", e);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or UnknownImageFormatException or NotSupportedException or IOException)
        {
            throw new InvalidInputException(path, $"corrupt or truncated image ({e.Message})", "Re-export the file as PNG or JPEG.", e);
        }
    }

    private ImagePair Checked(ImagePair pair, string maskPath)
    {
        if (!Limits.AllowEmptyMask && pair.ForegroundFraction == 0)
            throw new InvalidInputException(maskPath, "mask is empty (no pixel >= 128)",
                "Check that this is the right mask (white = polyp), or allow empty masks (--allow-empty-mask).");
        return pair;
    }

    private static Configuration CreateConfiguration(ImageLimits limits)
    {
        var config = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = limits.AllocationLimitMegabytes }),
        };
        return config;
    }
}
