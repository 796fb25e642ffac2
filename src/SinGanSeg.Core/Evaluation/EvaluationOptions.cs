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

    /// <summary>
    /// Only these training sets (families as <see cref="TrainingSets"/> names them; a small-data point
    /// goes with its family), "real" always among them; null: every set the other options produce.
    /// It only leaves runs out: folds, keys, initial weights and the gradient budget
    /// (<see cref="EvaluationPlanner.StepsFor"/> over every set) do not depend on it, so each kept run
    /// trains exactly as in the evaluation of every set, and a costly size can be judged on the sets
    /// that matter.
    /// </summary>
    public IReadOnlyList<string>? Sets { get; init; }

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
        if (Sets is { } sets) ValidateSets(sets);
        if (SmallDataSizes.Any(n => n < 1)) throw new ArgumentException("small-data sizes must be positive");
        Segmentation.SegmentationModels.Normalize(Models);
    }

    private void ValidateSets(IReadOnlyList<string> sets)
    {
        var families = TrainingSets.Families.Select(f => f.Family).ToList();
        var unknown = sets.FirstOrDefault(s => !families.Contains(s));
        if (unknown is not null)
            throw new ArgumentException($"unknown training set '{unknown}'; the sets are {string.Join(", ", families)}");
        var twice = sets.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"training set '{twice.Key}' is named twice");
        if (!sets.Contains(TrainingSets.Real))
            throw new ArgumentException($"the sets must include '{TrainingSets.Real}': every other set is compared with it on the same fold");
        var plainMix = sets.FirstOrDefault(s => s is TrainingSets.RealSyntheticRaw or TrainingSets.RealSyntheticStyled);
        if (plainMix is not null && !Mixed)
            throw new ArgumentException($"training set '{plainMix}' is a real+synthetic mix, and the mixes are turned off; drop it from the sets or turn the mixes on");
        var balanced = sets.FirstOrDefault(s => s is TrainingSets.RealSyntheticRawBalanced or TrainingSets.RealSyntheticStyledBalanced);
        if (balanced is not null && MixRealShare is null)
            throw new ArgumentException($"training set '{balanced}' needs a mix real share (e.g. 0.5)");
    }
}
