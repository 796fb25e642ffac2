using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// manifest.jsonl: one line per generated pair with its lineage — the source image and mask files' SHA-256,
/// the model, the full training configuration and both seeds — relative to the dataset root,
/// where images/ and masks/ hold pairs under the same name. A restyled image sits next to its
/// raw one under its own name and shares the raw one's mask; absent values are left out.
/// Each gate's verdict is a property named by the gate (copyCheck, quality, maskAgreement when on; README.md lists their
/// fields): its own scores by name, then score, threshold, flagged, its named text and its
/// reasons when it gives them. tries above 1 means the gates regenerated the sample; droppedBy
/// appears only in dropped/manifest.jsonl.
/// </summary>
public static class DatasetManifest
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Line(SampleRecord s)
    {
        var line = JsonSerializer.SerializeToNode(new
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
        }, Json)!.AsObject();
        foreach (var v in s.Verdicts ?? []) line[v.Gate] = Verdict(v);
        line["tries"] = s.Tries;
        if (s.DroppedBy is not null) line["droppedBy"] = s.DroppedBy;
        return line.ToJsonString(Json);
    }

    /// <summary>A verdict as the manifest has always shown it: scores by name (absent ones left out), score, threshold, flagged, the named text, reasons.</summary>
    private static JsonObject Verdict(GateVerdict v)
    {
        var o = new JsonObject();
        foreach (var score in v.Scores)
            if (score.Value is { } value) o[score.Name] = value;
        o["score"] = v.Score;
        o["threshold"] = v.Threshold;
        o["flagged"] = v.Flagged;
        if (v.Detail is { } detail) o[detail.Name] = detail.Text;
        if (v.Reasons is { } reasons) o["reasons"] = new JsonArray(reasons.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
        return o;
    }

    public static byte[] Build(IEnumerable<SampleRecord> samples)
    {
        var sb = new StringBuilder();
        foreach (var s in samples.OrderBy(s => s.Name, StringComparer.Ordinal)) sb.Append(Line(s)).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
