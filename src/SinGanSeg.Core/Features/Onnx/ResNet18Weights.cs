using SinGanSeg.Core.Execution;

namespace SinGanSeg.Core.Features.Onnx;

/// <summary>
/// ImageNet weights for <see cref="ResNet18"/> from the ONNX model in the
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 package (a CNTK 2.6 export, opset 8), which the build
/// copies next to every assembly that references Core. That network is not quite torchvision's
/// resnet18: layer4 has three blocks (<see cref="ResNet18.CntkBlocks"/>, 22 convolutions). It pads
/// the CNTK way (<see cref="ResNetPadding.Asymmetric"/>) and expects Caffe-style input, BGR 0–255
/// minus a mean image, prepared by <see cref="ResNetPreprocess"/>.
/// </summary>
public static class ResNet18Weights
{
    public const string BundledOnnxPath = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";
    public const string BundledPreprocessOnnxPath = "DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

    /// <summary>ResNet18.onnx next to the running application or next to Core.</summary>
    public static string FindBundledOnnx() => FindBundled(BundledOnnxPath);

    /// <summary>ResNetPreprocess.onnx, the companion model holding the mean image.</summary>
    public static string FindBundledPreprocessOnnx() => FindBundled(BundledPreprocessOnnxPath);

    /// <summary>
    /// A new network with the ONNX file's weights, the file's layout (<see cref="ResNet18.CntkBlocks"/>
    /// for the bundled one) and the padding they were trained with.
    /// </summary>
    public static ResNet18 FromOnnx(string path)
    {
        var import = new ResNet18OnnxImport(path);
        var model = GlobalRandom.Draw(() => new ResNet18(ResNetPadding.Asymmetric, import.BlocksPerLayer));
        try
        {
            import.CopyInto(model);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The bundled ImageNet weights; see <see cref="FromOnnx"/>.</summary>
    public static ResNet18 FromBundledOnnx() => FromOnnx(FindBundledOnnx());

    /// <summary>
    /// The bundled weights for inputs of any size (style transfer, SIFID, UNet++): CNTK's
    /// asymmetric padding only differs from torchvision's on odd sizes, where it makes the
    /// residual branches disagree in shape, so symmetric padding is used.
    /// </summary>
    public static ResNet18 FromBundledOnnxForAnySize()
    {
        var net = FromBundledOnnx();
        net.Padding = ResNetPadding.Symmetric;
        return net;
    }

    /// <summary>
    /// Copies the ONNX weights into <paramref name="target"/>, which must have the file's layout
    /// (fc is zeroed: the export has no classifier). The caller chooses the padding; only
    /// <see cref="ResNetPadding.Asymmetric"/> reproduces the ONNX network.
    /// </summary>
    public static void ImportOnnx(ResNet18 target, string path) => new ResNet18OnnxImport(path).CopyInto(target);

    private static string FindBundled(string relative)
    {
        var places = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(ResNet18Weights).Assembly.Location) }
            .Where(d => !string.IsNullOrEmpty(d)).Distinct().ToList();
        foreach (var dir in places)
        {
            var candidate = Path.Combine(dir!, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            $"{relative} not found in {string.Join(" or ", places)}. It comes from the NuGet package " +
            "Microsoft.ML.DnnImageFeaturizer.ResNet18, which SinGanSeg.Core downloads and copies to the output of " +
            "every project that references it; rebuild, or publish with content files included.", relative);
    }
}
