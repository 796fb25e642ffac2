using SinGanSeg.Core.Imaging;

namespace SinGanSeg.Core.Pyramid;

public sealed record LevelSize(int Height, int Width);

/// <summary>
/// The reference's pyramid (adjust_scales2image + creat_reals_pyramid): how many scales, the
/// first resize to max_size, the recomputed scale factor, and every level's size, coarsest
/// first. Computed from the input size alone with the same double arithmetic as Python.
/// </summary>
public sealed record PyramidGeometry(
    int InputHeight,
    int InputWidth,
    int MinSize,
    int MaxSize,
    double ScaleFactorInit,
    int NumScales,
    int StopScale,
    double Scale1,
    double ScaleFactor,
    LevelSize Resized,
    IReadOnlyList<LevelSize> Levels)
{
    public int ScaleCount => Levels.Count;

    public static PyramidGeometry Compute(int height, int width, int minSize, int maxSize, double scaleFactorInit, string item = "image")
    {
        if (minSize < 1 || maxSize < minSize)
            throw new ArgumentException($"min size {minSize} and max size {maxSize} must satisfy 1 <= min <= max");
        if (scaleFactorInit is <= 0 or >= 1)
            throw new ArgumentException($"scale factor {scaleFactorInit} must be between 0 and 1");
        var shortSide = Math.Min(height, width);
        var longSide = Math.Max(height, width);
        if (shortSide < minSize)
            throw new InvalidInputException(item, $"image is {width}x{height}; its short side must be at least the coarsest scale ({minSize} px)",
                "Use a larger image or a smaller --min-size.");

        var numScales = (int)Math.Ceiling(Math.Log(Math.Pow((double)minSize / shortSide, 1), scaleFactorInit)) + 1;
        var scale2Stop = (int)Math.Ceiling(Math.Log((double)Math.Min(maxSize, longSide) / longSide, scaleFactorInit));
        var stopScale = numScales - scale2Stop;
        var scale1 = Math.Min((double)maxSize / longSide, 1);
        var resized = scale1 == 1.0 ? new LevelSize(height, width) : new LevelSize(CeilScaled(height, scale1), CeilScaled(width, scale1));
        var resizedShort = Math.Min(resized.Height, resized.Width);
        if (stopScale < 1 || resizedShort < minSize)
            throw new InvalidInputException(item, $"image is {width}x{height}; resized to {resized.Width}x{resized.Height} its short side is below the coarsest scale ({minSize} px)",
                "The aspect ratio is too extreme for this max size; crop the image or raise --max-size.");
        var scaleFactor = Math.Pow((double)minSize / resizedShort, 1.0 / stopScale);

        var levels = new List<LevelSize>(stopScale + 1);
        for (var i = 0; i <= stopScale; i++)
        {
            var s = Math.Pow(scaleFactor, stopScale - i);
            levels.Add(s == 1.0 ? resized : new LevelSize(CeilScaled(resized.Height, s), CeilScaled(resized.Width, s)));
        }
        return new PyramidGeometry(height, width, minSize, maxSize, scaleFactorInit, numScales, stopScale, scale1, scaleFactor, resized, levels);
    }

    private static int CeilScaled(int size, double scale) => (int)Math.Ceiling(size * scale);
}
