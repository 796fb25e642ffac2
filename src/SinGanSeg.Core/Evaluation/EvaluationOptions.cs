namespace SinGanSeg.Core.Evaluation;

/// <summary>How the real-vs-synthetic comparison is cut.</summary>
public sealed record EvaluationOptions
{
    public int Folds { get; init; } = 3;

    /// <summary>Share of each fold's non-test real images held out to pick the checkpoint (the paper used the test set; we do not).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    public long Seed { get; init; } = 1;

    /// <summary>Real+synthetic training sets besides real-only and synthetic-only.</summary>
    public bool Mixed { get; init; } = true;

    /// <summary>
    /// Also train on balanced mixes ("real+synthetic-raw-balanced", "…-styled-balanced"): the real
    /// training pairs repeated until they make up at least this share of the set. In a plain mix
    /// of 13 real and 130 synthetic pairs a real pair is drawn about once in eleven; the balanced
    /// mix shows whether the synthetic pairs add to the real ones or only dilute them. Null: none.
    /// </summary>
    public double? MixRealShare { get; init; }

    /// <summary>Small-data curve: for each N, N real training images versus the synthetic pairs generated from those N.</summary>
    public IReadOnlyList<int> SmallDataSizes { get; init; } = [];

    /// <summary>The segmenters trained on every (fold, set), see <see cref="Segmentation.SegmentationModels"/>.</summary>
    public IReadOnlyList<string> Models { get; init; } = [Segmentation.SegmentationModels.UNetPlusPlus];

    public void Validate()
    {
        if (Folds < 2) throw new ArgumentException($"folds must be at least 2 (got {Folds})");
        if (ValidationFraction is <= 0 or >= 1) throw new ArgumentException($"validation fraction must be between 0 and 1 (got {ValidationFraction})");
        if (MixRealShare is { } share && !(share > 0 && share < 1))
            throw new ArgumentException($"mix real share must be between 0 and 1, e.g. 0.5 (got {share})");
        if (SmallDataSizes.Any(n => n < 1)) throw new ArgumentException("small-data sizes must be positive");
        Segmentation.SegmentationModels.Normalize(Models);
    }
}
