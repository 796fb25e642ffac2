namespace SinGanSeg.Abstractions;

/// <summary>What a gate does with a flagged sample: keep it and say so, drop it, or try new seeds first.</summary>
public enum GatePolicy
{
    Report,
    Drop,
    Regenerate,
}

/// <summary>
/// The privacy gate: is a sample a copy of its source? Threshold is on the copy score (0…1,
/// see docs/PRIVACY.md); null takes the calibrated default. Regenerate tries up to MaxTries new
/// seeds, then drops.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CopyCheckOptions(
    [property: Id(0)] GatePolicy Policy = GatePolicy.Report,
    [property: Id(1)] double? Threshold = null,
    [property: Id(2)] int MaxTries = 3);

/// <summary>
/// The quality gate: empty masks, foreground far from the source's, collapsed images, SIFID
/// outliers among a model's samples. Threshold is on the quality score (0 good … 1 bad); null
/// takes the default.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QualityOptions(
    [property: Id(0)] GatePolicy Policy = GatePolicy.Report,
    [property: Id(1)] double? Threshold = null,
    [property: Id(2)] int MaxTries = 3);

/// <summary>The gates of a job. Every job is checked; the default only reports.</summary>
[GenerateSerializer, Immutable]
public sealed record GateSettings(
    [property: Id(0)] CopyCheckOptions CopyCheck,
    [property: Id(1)] QualityOptions Quality)
{
    public static GateSettings Default { get; } = new(new CopyCheckOptions(), new QualityOptions());
}

/// <summary>
/// A sample's copy-detection scores against its source (manifest field copyCheck): best
/// normalised cross-correlation over small shifts and flips, mask IoU at that alignment, the
/// share of textured 16×16 patches with a near-identical source patch, the ResNet18 embedding
/// distance (cosine) to the source, the combined score and the verdict.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CopyCheckResult(
    [property: Id(0)] double Ncc,
    [property: Id(1)] double MaskIou,
    [property: Id(2)] double PatchCopyShare,
    [property: Id(3)] double? EmbeddingDistance,
    [property: Id(4)] double Score,
    [property: Id(5)] double Threshold,
    [property: Id(6)] bool Flagged,
    [property: Id(7)] string Alignment);

/// <summary>A sample's quality scores (manifest field quality): why it is flagged, if it is.</summary>
[GenerateSerializer, Immutable]
public sealed record QualityResult(
    [property: Id(0)] double Foreground,
    [property: Id(1)] double SourceForeground,
    [property: Id(2)] double ImageStd,
    [property: Id(3)] double? Sifid,
    [property: Id(4)] double? SifidRobustZ,
    [property: Id(5)] double Score,
    [property: Id(6)] double Threshold,
    [property: Id(7)] bool Flagged,
    // An array, not an interface: it is kept in the image grain's stored state, and the Azure and
    // PostgreSQL grain storage write an interface-typed value's runtime type, which for a
    // collection expression is compiler-generated and refused on reading (StateReloadTests).
    [property: Id(8)] string[] Reasons);

/// <summary>Per image (and summed per job): samples checked, flagged by each gate, regenerated, dropped.</summary>
[GenerateSerializer, Immutable]
public sealed record GateCounts(
    [property: Id(0)] int Checked = 0,
    [property: Id(1)] int CopyFlagged = 0,
    [property: Id(2)] int QualityFlagged = 0,
    [property: Id(3)] int Regenerated = 0,
    [property: Id(4)] int Dropped = 0)
{
    public static GateCounts Sum(IEnumerable<GateCounts?> counts) => counts.Aggregate(new GateCounts(), (a, c) => c is null ? a : new GateCounts(
        a.Checked + c.Checked, a.CopyFlagged + c.CopyFlagged, a.QualityFlagged + c.QualityFlagged, a.Regenerated + c.Regenerated, a.Dropped + c.Dropped));
}
