using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace SinGanSeg.Core.Privacy;

/// <summary>
/// An image+mask pair as the gates read it: H×W interleaved RGB bytes and a 0/255 mask. A source
/// pair is loaded at its sample's size (bicubic for the image, nearest for the mask), since the
/// model's output is the source shrunk to the finest scale.
/// </summary>
public sealed record PairPixels(int Height, int Width, byte[] Rgb, byte[] Mask)
{
    public static PairPixels Load(string imagePath, string maskPath, int? width = null, int? height = null)
    {
        using var image = Image.Load<Rgb24>(imagePath);
        using var mask = Image.Load<L8>(maskPath);
        var (w, h) = (width ?? image.Width, height ?? image.Height);
        if (image.Width != w || image.Height != h) image.Mutate(x => x.Resize(w, h, KnownResamplers.Bicubic));
        if (mask.Width != w || mask.Height != h) mask.Mutate(x => x.Resize(w, h, KnownResamplers.NearestNeighbor));
        var rgb = new byte[w * h * 3];
        image.CopyPixelDataTo(rgb);
        var m = new byte[w * h];
        mask.CopyPixelDataTo(m);
        for (var i = 0; i < m.Length; i++) m[i] = m[i] >= 128 ? (byte)255 : (byte)0;
        return new PairPixels(h, w, rgb, m);
    }

    /// <summary>Luma in 0…1, row-major.</summary>
    public float[] Luma()
    {
        var l = new float[Height * Width];
        for (var i = 0; i < l.Length; i++) l[i] = (0.299f * Rgb[3 * i] + 0.587f * Rgb[3 * i + 1] + 0.114f * Rgb[3 * i + 2]) / 255f;
        return l;
    }
}
