using SinGanSeg.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>
/// Downscales an image or mask for the dashboard: JPEG for photos, lossless PNG for masks so their
/// edges stay exact. Every source is decoded by the engine's own loader (identified first, PNG/JPEG
/// only, within the dimension and allocation limits, not truncated), never by ImageSharp's defaults.
/// </summary>
public static class Thumbnails
{
    public const int DefaultSize = 160;
    public const int MaxSize = 512;

    /// <summary>A source larger than this is not an image the engine would have accepted anyway.</summary>
    public const long MaxSourceBytes = 64L * 1024 * 1024;

    public sealed record Thumbnail(byte[] Bytes, string ContentType);

    /// <summary>The loader reads files: the source is copied to a temporary one first (bounded), then decoded and checked.</summary>
    public static async Task<Thumbnail> Make(Stream source, ImagePairLoader loader, string scratch, bool mask, int size, CancellationToken cancellation)
    {
        Directory.CreateDirectory(scratch);
        var temp = Path.Combine(scratch, $"thumb-{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                long length = 0;
                while ((read = await source.ReadAsync(buffer, cancellation)) > 0)
                {
                    length += read;
                    if (length > MaxSourceBytes)
                        throw new InvalidInputException("source", $"larger than {MaxSourceBytes} bytes", "Not shown.");
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellation);
                }
            }
            var rgb = loader.LoadRgb(temp);
            return await Encode(rgb, mask, size, cancellation);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<Thumbnail> Encode(RgbImage rgb, bool mask, int size, CancellationToken cancellation)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb.Rgb, rgb.Width, rgb.Height);
        if (image.Width > size || image.Height > size)
        {
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(size, size),
                Mode = ResizeMode.Max,
                Sampler = mask ? KnownResamplers.NearestNeighbor : KnownResamplers.Bicubic,
            }));
        }
        using var output = new MemoryStream();
        if (mask)
        {
            await image.SaveAsPngAsync(output, cancellation);
            return new Thumbnail(output.ToArray(), "image/png");
        }
        await image.SaveAsJpegAsync(output, new JpegEncoder { Quality = 85 }, cancellation);
        return new Thumbnail(output.ToArray(), "image/jpeg");
    }
}
