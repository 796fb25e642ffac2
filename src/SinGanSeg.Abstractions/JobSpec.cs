namespace SinGanSeg.Abstractions;

/// <summary>
/// One training image of a job. Refs are "file:///absolute/path" (a path every silo can read,
/// such as the embedded default's own disk or a shared volume) or "artifact:KEY" (an object in
/// the cluster's artifact store, as uploads are).
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
    [property: Id(10)] EvaluationSettings? Evaluate = null)
{
    /// <summary>A stable digest of everything that shapes the result, to tell a resubmission from a conflicting one.</summary>
    public string Fingerprint()
    {
        var text = string.Join("\n", Images.Select(i => $"{i.Name}\t{i.ImageRef}\t{i.MaskRef}"))
            + $"\n{Training}\n{SamplesPerImage}\n{Seed}\n{GenStartScale}\n{MaxAttempts}\n{AllowEmptyMasks}"
            + (Style is null ? "" : $"\n{Style}") + (Score ? "" : "\nno-score") + (Evaluate is null ? "" : $"\nevaluate {Evaluate}");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
    }
}
