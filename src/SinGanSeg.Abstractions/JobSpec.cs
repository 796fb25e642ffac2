using System.Text.Json;
using System.Text.Json.Nodes;

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
    /// conflicting one: SHA-256 of the spec's canonical JSON (<see cref="CanonicalJson"/>) without
    /// its id, so a field added to the spec is part of it without anyone remembering to. Absent
    /// gates and the default gates are the same request.
    /// </summary>
    public string Fingerprint() =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(CanonicalJson())))[..16];

    /// <summary>
    /// The spec as the fingerprint digests it: its JSON in declaration order, no indentation, no id,
    /// with the gates (and the settings' copy of them) in the form they had before gate settings were
    /// generic (<see cref="FingerprintForm"/>).
    /// </summary>
    public string CanonicalJson()
    {
        var node = JsonSerializer.SerializeToNode(this with { JobId = "" }, Canonical)!.AsObject();
        var gates = FingerprintForm(Gates ?? GateSettings.Default);
        node["gates"] = gates;
        node["settings"]!["gates"] = gates.DeepClone();
        foreach (var evaluate in new[] { node["evaluate"], node["settings"]!["evaluate"] })
            if (evaluate is JsonObject settings)
                foreach (var field in LaterEvaluationFields)
                    if (settings[field] is null) settings.Remove(field);
        return node.ToJsonString(Canonical);
    }

    /// <summary>
    /// Evaluation settings added after jobs were fingerprinted with the JSON: digested only when set,
    /// so a job submitted before they existed keeps its fingerprint (and `run` its job id).
    /// </summary>
    private static readonly string[] LaterEvaluationFields = ["mixRealShare", "sets"];

    /// <summary>The gates every spec had before gate settings were generic, in their order then.</summary>
    private static readonly string[] FirstGates = ["copyCheck", "quality"];

    /// <summary>
    /// Gate settings as the fingerprint has always digested them: the first two gates always, as
    /// their own records were written ({"copyCheck":{"policy":0,"threshold":null,"maxTries":3},
    /// "quality":{…}}), then any other gate that is not at its defaults, by name. So a job keeps its
    /// fingerprint across the change to generic gates: `run` derives its job id from it to resume,
    /// and a resubmission is compared by it.
    /// </summary>
    private static JsonObject FingerprintForm(GateSettings gates)
    {
        var form = new JsonObject();
        foreach (var gate in FirstGates) form[gate] = JsonSerializer.SerializeToNode(gates.For(gate), Canonical);
        foreach (var (gate, options) in gates.Canonical().Options!)
            if (!FirstGates.Contains(gate)) form[gate] = JsonSerializer.SerializeToNode(options, Canonical);
        return form;
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
