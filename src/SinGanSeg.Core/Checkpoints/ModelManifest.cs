using System.Text.Json;
using System.Text.Json.Serialization;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Training;

namespace SinGanSeg.Core.Checkpoints;

public sealed record InputInfo(string Name, string Sha256, int Height, int Width, double ForegroundFraction);

/// <param name="ReconstructionRmse">RMSE of the scale's reconstruction G(z_opt) against the real image at the end of training (normalised units, range 2).</param>
public sealed record ScaleRecord(int Index, int Height, int Width, int NetworkWidth, float NoiseAmp, int Iterations, double Seconds, DateTimeOffset FinishedAt, double ReconstructionRmse);

/// <summary>
/// manifest.json of a native model folder: what was trained from what, and which scales are
/// finished. A scale counts as finished only once it is listed here; the manifest is replaced
/// atomically after the scale's files are in place.
/// </summary>
public sealed record ModelManifest
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required string ModelId { get; init; }
    public required InputInfo Input { get; init; }
    public required SinGanConfig Config { get; init; }
    public required long Seed { get; init; }
    public required PyramidGeometry Geometry { get; init; }
    public IReadOnlyList<ScaleRecord> Scales { get; init; } = [];
    public required string Engine { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public bool Complete => Scales.Count == Geometry.ScaleCount;

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelManifest FromJson(string json, string source) =>
        JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions) ?? throw new InvalidDataException($"{source}: empty manifest");
}
