namespace SinGanSeg.Abstractions;

/// <summary>
/// What the coordinator hands an image grain: one image of a job, with the job's settings record.
/// TraceParent is the job's submit span (W3C), so the image's spans link to it even when a
/// reminder, not the job, starts the image after a restart.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ImageWork(
    [property: Id(0)] string JobId,
    [property: Id(1)] ImageInput Input,
    [property: Id(2)] JobSettings Settings,
    [property: Id(3)] int Attempt,
    [property: Id(4)] string? TraceParent = null)
{
    // Shorthands for the settings the pipeline reads most.
    public TrainingOptions Training => Settings.Training;
    public int SamplesPerImage => Settings.SamplesPerImage;
    public long Seed => Settings.Seed;
    public int GenStartScale => Settings.GenStartScale;
    public bool AllowEmptyMask => Settings.AllowEmptyMasks;
    public StyleOptions? Style => Settings.Style;
    public bool Score => Settings.Score;
    public GateSettings Gates => Settings.Gates;
}

/// <summary>
/// One generated pair and where it came from (a line of the dataset manifest); the hashes are of
/// the source files as given. When the job asked for style transfer, the restyled image shares
/// this pair's mask; SIFID values compare each image with its real source image. Verdicts are the
/// gates' verdicts, one per gate in the gates' order (ids 18 and 19 were the two gates' records
/// before the gates were generic; an array, not an interface: see <see cref="GateVerdict"/>);
/// Tries counts the seeds used (above 1: regenerated); a sample with DroppedBy set was removed by
/// that gate and is stored apart (jobs/&lt;id&gt;/dropped/).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SampleRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] string ImageKey,
    [property: Id(2)] string MaskKey,
    [property: Id(3)] string SourceImage,
    [property: Id(4)] string SourceSha256,
    [property: Id(5)] string ModelKey,
    [property: Id(6)] long TrainingSeed,
    [property: Id(7)] long SamplingSeed,
    [property: Id(8)] int SampleIndex,
    [property: Id(9)] int GenStartScale,
    [property: Id(10)] string ConfigJson,
    [property: Id(11)] double MaskForeground,
    [property: Id(12)] string SourceMaskSha256,
    [property: Id(13)] string? StyledName = null,
    [property: Id(14)] string? StyledImageKey = null,
    [property: Id(15)] double? Sifid = null,
    [property: Id(16)] double? SifidStyled = null,
    [property: Id(17)] string? SifidMetric = null,
    [property: Id(22)] GateVerdict[]? Verdicts = null,
    [property: Id(20)] int Tries = 1,
    [property: Id(21)] string? DroppedBy = null)
{
    /// <summary>The named gate's verdict; null when that gate did not check the sample.</summary>
    public GateVerdict? Verdict(string gate) => Verdicts?.FirstOrDefault(v => v.Gate == gate);

    /// <summary>The verdicts that flagged the sample, in the gates' order.</summary>
    public IEnumerable<GateVerdict> FlaggedVerdicts() => Verdicts?.Where(v => v.Flagged) ?? [];
}

/// <summary>How an image ended: its samples, or a failure and whether retrying can help.</summary>
[GenerateSerializer, Immutable]
public sealed record ImageOutcome(
    [property: Id(0)] string Name,
    [property: Id(1)] bool Succeeded,
    [property: Id(2)] IReadOnlyList<SampleRecord> Samples,
    [property: Id(3)] string? Error,
    [property: Id(4)] bool Permanent,
    [property: Id(5)] int Attempt,
    [property: Id(6)] string? ModelKey,
    [property: Id(7)] bool FromCache,
    [property: Id(8)] bool Infrastructure = false,
    [property: Id(9)] IReadOnlyList<SampleRecord>? Dropped = null,
    [property: Id(10)] GateCounts? Gates = null);
