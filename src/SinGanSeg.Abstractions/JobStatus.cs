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
    Styling,
    Scoring,
    Checking,
}

/// <summary>
/// Where one image stands: scale k of N, speed, ETA, and why it failed if it did. While styling,
/// Iteration/Iterations count style-transfer steps of the current batch. Sifid/SifidStyled are
/// the image's mean over its samples before and after style transfer.
/// </summary>
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
    [property: Id(14)] DateTimeOffset? UpdatedAt = null,
    [property: Id(15)] double? Sifid = null,
    [property: Id(16)] double? SifidStyled = null,
    [property: Id(17)] string? SifidMetric = null,
    [property: Id(18)] int Styled = 0,
    [property: Id(19)] GateCounts? Gates = null)
{
    public bool IsTerminal => Phases.IsTerminal(Phase);
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
    [property: Id(7)] string Preset,
    [property: Id(8)] string? EvaluationId = null,
    [property: Id(9)] string? EvaluationError = null)
{
    public int Total => Images.Count;
    public int Done => Images.Count(i => i.Phase == ImagePhase.Done);
    public int Failed => Images.Count(i => i.Phase == ImagePhase.Failed);
    public bool IsFinished => Phases.IsFinished(Phase);

    /// <summary>The gates' counts over the job's finished images.</summary>
    public GateCounts Gates => GateCounts.Sum(Images.Select(i => i.Gates));

    /// <summary>Which SIFID variant the scores are (SIFID-Inception or SIFID-ResNet18-stem); null when nothing was scored.</summary>
    public string? SifidMetric => Images.Select(i => i.SifidMetric).FirstOrDefault(m => m is not null);

    /// <summary>The job's mean SIFID over its scored images, before style transfer.</summary>
    public double? MeanSifid => Mean(Images.Select(i => i.Sifid));

    /// <summary>The same after style transfer.</summary>
    public double? MeanSifidStyled => Mean(Images.Select(i => i.SifidStyled));

    private static double? Mean(IEnumerable<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : present.Average();
    }
}
