namespace SinGanSeg.Core.Model;

/// <summary>Per-scale network shape: the reference widens every 4 scales (32, 64, 128) up to 128.</summary>
public sealed record NetworkShape(int Channels, int Width, int MinWidth, int Layers, int KernelSize)
{
    /// <summary>Zero padding the generator's input needs: each unpadded 3×3 conv trims one pixel a side.</summary>
    public int Padding => (KernelSize - 1) * Layers / 2;

    public static NetworkShape ForScale(int scale, int channels, int baseWidth, int baseMinWidth, int layers, int kernelSize)
    {
        var factor = 1 << (scale / 4);
        return new NetworkShape(channels, Math.Min(baseWidth * factor, 128), Math.Min(baseMinWidth * factor, 128), layers, kernelSize);
    }
}
