using System.Text;
using System.Text.Json;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// manifest.jsonl: one line per generated pair with its lineage — the source image and mask files' SHA-256,
/// the model, the full training configuration and both seeds — relative to the dataset root,
/// where images/ and masks/ hold pairs under the same name. A restyled image sits next to its
/// raw one under its own name and shares the raw one's mask; absent values are left out.
/// copyCheck and quality are the gates' verdicts (README.md lists their fields); tries above 1
/// means the gates regenerated the sample; droppedBy appears only in dropped/manifest.jsonl.
/// </summary>
public static class DatasetManifest
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Line(SampleRecord s) => JsonSerializer.Serialize(new
    {
        image = $"images/{s.Name}.png",
        mask = $"masks/{s.Name}.png",
        sourceImage = s.SourceImage,
        sourceImageSha256 = s.SourceSha256,
        sourceMaskSha256 = s.SourceMaskSha256,
        model = s.ModelKey,
        trainingSeed = s.TrainingSeed,
        samplingSeed = s.SamplingSeed,
        sampleIndex = s.SampleIndex,
        genStartScale = s.GenStartScale,
        maskForeground = Math.Round(s.MaskForeground, 6),
        config = JsonDocument.Parse(s.ConfigJson).RootElement,
        styledImage = s.StyledName is null ? null : $"images/{s.StyledName}.png",
        sifidMetric = s.SifidMetric,
        sifid = s.Sifid is { } raw ? Math.Round(raw, 6) : (double?)null,
        sifidStyled = s.SifidStyled is { } styled ? Math.Round(styled, 6) : (double?)null,
        copyCheck = s.CopyCheck,
        quality = s.Quality,
        tries = s.Tries,
        droppedBy = s.DroppedBy,
    }, Json);

    public static byte[] Build(IEnumerable<SampleRecord> samples)
    {
        var sb = new StringBuilder();
        foreach (var s in samples.OrderBy(s => s.Name, StringComparer.Ordinal)) sb.Append(Line(s)).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
