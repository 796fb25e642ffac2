using System.Globalization;
using System.Text.Json;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>The settings of the reference's small trained model (trained_model/model.json).</summary>
public static class ReferenceModel
{
    public static string Folder => TestData.ReferenceFile("trained_model");

    public static JsonElement Json { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "model.json"))).RootElement;

    /// <summary>One-epoch config as the traces ran it (the 1600-iteration milestone never reached).</summary>
    public static SinGanConfig EpochConfig { get; } = new()
    {
        MaxSize = Json.GetProperty("max_size").GetInt32(),
        MinSize = Json.GetProperty("min_size").GetInt32(),
        Iterations = 1,
        LearningRateDropAt = 1.0,
    };

    /// <summary>The trained model's scale <paramref name="k"/> as a frozen coarser scale (eval mode, its z_opt and noise amplitude).</summary>
    public static FrozenScale FrozenScale(int k)
    {
        var width = Json.GetProperty("nfc_per_scale")[k].GetInt32();
        var g = new SinGanGenerator(NetworkShape.ForScale(0, 4, width, width, 5, 3));
        StateDictFile.LoadInto(g, Path.Combine(Folder, k.ToString(CultureInfo.InvariantCulture), "netG.pth"), CPU);
        g.eval();
        var z = (Tensor)TorchArchive.Load(Path.Combine(Folder, k.ToString(CultureInfo.InvariantCulture), "z_opt.pth"))!;
        return new FrozenScale(g, z, (float)Json.GetProperty("noise_amp")[k].GetDouble());
    }

    public static ImagePair Input() => ImagePairLoader.Default.LoadRgba(TestData.ReferenceFile("input_rgba.png"));

    public static PyramidGeometry Geometry()
    {
        var input = Input();
        return PyramidGeometry.Compute(input.Height, input.Width, EpochConfig.MinSize, EpochConfig.MaxSize, EpochConfig.ScaleFactor);
    }
}
