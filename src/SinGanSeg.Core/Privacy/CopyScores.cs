namespace SinGanSeg.Core.Privacy;

/// <summary>
/// A sample's copy-detection scores against one real pair (see <see cref="CopyDetector"/>).
/// Alignment names the source transform that matched best ("flip-h, dx=1, dy=0").
/// </summary>
public sealed record CopyScores(double Ncc, double MaskIou, double PatchCopyShare, double? EmbeddingDistance, string Alignment)
{
    /// <summary>
    /// The one number the threshold applies to: the strongest of the three signs of copying, each
    /// mapped to 0…1 — whole-image correlation at the best alignment, the share of copied patches,
    /// and embedding closeness (1 at distance 0, 0 at or beyond <see cref="CopyThresholds.EmbeddingScale"/>,
    /// the distance below which real images of a dataset are almost never found).
    /// </summary>
    public double Score => Math.Max(Math.Max(Math.Clamp(Ncc, 0, 1), PatchCopyShare),
        EmbeddingDistance is { } d ? Math.Clamp(1 - d / CopyThresholds.EmbeddingScale, 0, 1) : 0);
}

/// <summary>The calibrated defaults (docs/PRIVACY.md shows the distributions they come from).</summary>
public static class CopyThresholds
{
    /// <summary>Default threshold on <see cref="CopyScores.Score"/>.</summary>
    public const double Default = 0.95;

    /// <summary>RMS distance (RGB, 0…1) under which a patch counts as copied.</summary>
    public const double PatchDistance = 0.03;

    /// <summary>Patches whose luma varies less than this are flat (background) and not counted.</summary>
    public const double TexturedPatchStd = 0.02;

    /// <summary>Cosine distance of ResNet18 embeddings that maps to an embedding score of 0.</summary>
    public const double EmbeddingScale = 0.05;
}
