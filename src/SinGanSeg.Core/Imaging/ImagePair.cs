namespace SinGanSeg.Core.Imaging;

/// <summary>
/// A training input in the reference's layout: H×W pixels of R, G, B and a binary mask
/// (0 or 255), interleaved as the RGBA PNG the reference reads.
/// </summary>
public sealed class ImagePair
{
    public ImagePair(string name, int height, int width, byte[] rgbm)
    {
        if (rgbm.Length != height * width * 4)
            throw new ArgumentException($"expected {height * width * 4} bytes for {height}x{width} RGB+mask, got {rgbm.Length}", nameof(rgbm));
        Name = name;
        Height = height;
        Width = width;
        Rgbm = rgbm;
    }

    public string Name { get; }
    public int Height { get; }
    public int Width { get; }
    public byte[] Rgbm { get; }

    public double ForegroundFraction
    {
        get
        {
            long fg = 0;
            for (var i = 3; i < Rgbm.Length; i += 4) if (Rgbm[i] != 0) fg++;
            return (double)fg / (Height * Width);
        }
    }

    /// <summary>SHA-256 of the pixel content and size: the identity used for caching trained models.</summary>
    public string ContentHash()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[8];
        BitConverter.TryWriteBytes(header, Height);
        BitConverter.TryWriteBytes(header[4..], Width);
        sha.AppendData(header);
        sha.AppendData(Rgbm);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
