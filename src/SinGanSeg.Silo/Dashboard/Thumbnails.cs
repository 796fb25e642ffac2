using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>Downscales an image or mask for the dashboard: JPEG for photos, lossless PNG for masks so their edges stay exact.</summary>
public static class Thumbnails
{
    public const int DefaultSize = 160;
    public const int MaxSize = 512;

    public sealed record Thumbnail(byte[] Bytes, string ContentType);

    public static async Task<Thumbnail> Make(Stream source, bool mask, int size, CancellationToken cancellation)
    {
        using var image = await Image.LoadAsync<Rgb24>(source, cancellation);
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
