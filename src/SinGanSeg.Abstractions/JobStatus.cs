namespace SinGanSeg.Abstractions;

public enum JobPhase
{
    Accepted,
    Running,
    Completed,
    CompletedWithErrors,
    Cancelled,
}

public enum ImagePhase
{
    Pending,
    Queued,
    Training,
    Generating,
    Done,
    Failed,
    RetryScheduled,
    Cancelled,
}

/// <summary>Where one image stands: scale k of N, speed, ETA, and why it failed if it did.</summary>
[GenerateSerializer, Immutable]
public sealed record ImageProgress(
    [property: Id(0)] string Name,
    [property: Id(1)] ImagePhase Phase,
    [property: Id(2)] int CompletedScales = 0,
    [property: Id(3)] int ScaleCount = 0,
    [property: Id(4)] int Iteration = 0,
    [property: Id(5)] int Iterations = 0,
    [property: Id(6)] double IterationsPerSecond = 0,
    [property: Id(7)] double EtaSeconds = 0,
    [property: Id(8)] string? Error = null,
    [property: Id(9)] int Attempts = 0,
    [property: Id(10)] string? ModelKey = null,
    [property: Id(11)] int Samples = 0,
    [property: Id(12)] string? Silo = null,
    [property: Id(13)] bool FromCache = false,
    [property: Id(14)] DateTimeOffset? UpdatedAt = null)
{
    public bool IsTerminal => Phase is ImagePhase.Done or ImagePhase.Failed or ImagePhase.Cancelled;
}

/// <summary>A job's report: its phase, counts, and every image's progress.</summary>
[GenerateSerializer, Immutable]
public sealed record JobStatus(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobPhase Phase,
    [property: Id(2)] IReadOnlyList<ImageProgress> Images,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset? FinishedAt,
    [property: Id(5)] string? ManifestKey,
    [property: Id(6)] int SamplesPerImage,
    [property: Id(7)] string Preset)
{
    public int Total => Images.Count;
    public int Done => Images.Count(i => i.Phase == ImagePhase.Done);
    public int Failed => Images.Count(i => i.Phase == ImagePhase.Failed);
    public bool IsFinished => Phase is JobPhase.Completed or JobPhase.CompletedWithErrors or JobPhase.Cancelled;
}
