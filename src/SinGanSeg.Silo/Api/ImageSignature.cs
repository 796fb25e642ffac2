namespace SinGanSeg.Silo.Api;

/// <summary>PNG and JPEG by their first bytes: an extension says nothing about what a file holds.</summary>
public static class ImageSignature
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];

    /// <summary>Bytes needed to tell.</summary>
    public const int Length = 8;

    public static bool IsPngOrJpeg(ReadOnlySpan<byte> head) => head.StartsWith(Png) || head.StartsWith(Jpeg);
}
