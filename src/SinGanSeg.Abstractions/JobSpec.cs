using System.Text.Json;

namespace SinGanSeg.Abstractions;

/// <summary>
/// One training image of a job. Refs are <see cref="InputRef"/>s: "file:///absolute/path" (a path
/// every silo can read, such as the embedded default's own disk or a shared volume) or
/// "artifact:KEY" (an object in the cluster's artifact store, as uploads are).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ImageInput(
    [property: Id(0)] string Name,
    [property: Id(1)] string ImageRef,
    [property: Id(2)] string MaskRef);

/// <summary>Training options a job may set; anything left null comes from the preset.</summary>
[GenerateSerializer, Immutable]
public sealed record TrainingOptions(
    [property: Id(0)] string Preset,
    [property: Id(1)] int? MaxSize = null,
    [property: Id(2)] int? MinSize = null,
    [property: Id(3)] int? Iterations = null,
    [property: Id(4)] string? GeneratorUpdate = null);

/// <summary>
/// The paper's second step for a job: Gatys style transfer from each real image onto its
/// samples. Ratio is content:style ("1:1", "1:1000"); Network is resnet18 (weights ship with
/// SinGanSeg) or vgg16/vgg19 (the silos must be configured with torchvision weight files).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StyleOptions(
    [property: Id(0)] string Ratio = "1:1",
    [property: Id(1)] string Network = "resnet18",
    [property: Id(2)] int Steps = 1000);

/// <summary>What a job asks for. The client picks <see cref="JobId"/>, so submitting again is idempotent.</summary>
[GenerateSerializer, Immutable]
public sealed record JobSpec(
    [property: Id(0)] string JobId,
    [property: Id(1)] IReadOnlyList<ImageInput> Images,
    [property: Id(2)] TrainingOptions Training,
    [property: Id(3)] int SamplesPerImage,
    [property: Id(4)] long Seed,
    [property: Id(5)] int GenStartScale = 0,
    [property: Id(6)] int MaxAttempts = 3,
    [property: Id(7)] bool AllowEmptyMasks = false,
    [property: Id(8)] StyleOptions? Style = null,
    [property: Id(9)] bool Score = true,
    [property: Id(10)] EvaluationSettings? Evaluate = null,
    [property: Id(11)] GateSettings? Gates = null)
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>Everything but the id and the image list: what each image's work carries.</summary>
    public JobSettings Settings => new(Training, SamplesPerImage, Seed, GenStartScale, MaxAttempts, AllowEmptyMasks, Style, Score, Evaluate, Gates ?? GateSettings.Default);

    /// <summary>
    /// A stable digest of everything that shapes the result, to tell a resubmission from a
    /// conflicting one: SHA-256 of the spec's canonical JSON (declaration order, no indentation)
    /// without its id, so a field added to the spec is part of it without anyone remembering to.
    /// Absent gates and the default gates are the same request.
    /// </summary>
    public string Fingerprint()
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(this with { JobId = "", Gates = Gates ?? GateSettings.Default }, Canonical);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(canonical))[..16];
    }
}

/// <summary>A job's settings as every image of it needs them (the spec minus its id and images).</summary>
[GenerateSerializer, Immutable]
public sealed record JobSettings(
    [property: Id(0)] TrainingOptions Training,
    [property: Id(1)] int SamplesPerImage,
    [property: Id(2)] long Seed,
    [property: Id(3)] int GenStartScale,
    [property: Id(4)] int MaxAttempts,
    [property: Id(5)] bool AllowEmptyMasks,
    [property: Id(6)] StyleOptions? Style,
    [property: Id(7)] bool Score,
    [property: Id(8)] EvaluationSettings? Evaluate,
    [property: Id(9)] GateSettings Gates);
