using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Features;

/// <summary>Inputs for the ONNX comparisons: a real polyp image at the network's 224×224, or noise.</summary>
internal static class OnnxImage
{
    /// <summary>1×3×224×224 RGB in 0–255, as ML.NET's ExtractPixels would give it.</summary>
    public static Tensor Polyp224()
    {
        using var image = Image.Load<Rgb24>(TestData.PolypImage(TestData.ReferencePair));
        image.Mutate(c => c.Resize(224, 224));
        var pixels = new Rgb24[224 * 224];
        image.CopyPixelDataTo(pixels);
        var chw = new float[3 * 224 * 224];
        for (var i = 0; i < pixels.Length; i++)
        {
            chw[i] = pixels[i].R;
            chw[pixels.Length + i] = pixels[i].G;
            chw[2 * pixels.Length + i] = pixels[i].B;
        }
        return tensor(chw, [1L, 3, 224, 224]);
    }

    /// <summary>1×3×224×224 uniform noise in 0–255.</summary>
    public static Tensor Random224(int seed)
    {
        using var generator = new Generator((ulong)seed);
        return rand([1L, 3, 224, 224], generator: generator) * 255f;
    }

    public static float[] Values(Tensor t) => t.contiguous().cpu().data<float>().ToArray();
}
