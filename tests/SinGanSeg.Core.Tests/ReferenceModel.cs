using System.Text.Json;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Training;

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

    public static ImagePair Input() => ImagePairLoader.Default.LoadRgba(TestData.ReferenceFile("input_rgba.png"));

    public static PyramidGeometry Geometry()
    {
        var input = Input();
        return PyramidGeometry.Compute(input.Height, input.Width, EpochConfig.MinSize, EpochConfig.MaxSize, EpochConfig.ScaleFactor);
    }
}
