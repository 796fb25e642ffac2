namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// The job-level segmenter behind the mask agreement score: a small plain U-Net trained from
/// scratch on the job's real pairs, cheap enough to run once per job on a CPU (the default is
/// about a minute on two cores for tens of pairs). Steps are fixed so the cost does not grow with
/// the number of real pairs.
/// </summary>
public sealed record MaskAgreementConfig
{
    public int ImageSize { get; init; } = 64;
    public int Steps { get; init; } = 300;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 1e-3;
    public IReadOnlyList<int> Widths { get; init; } = [16, 32, 64, 128];
    public bool Augment { get; init; } = true;
    public long Seed { get; init; } = 1;

    /// <summary>
    /// At most this many real pairs train the segmenter (evenly spread over them by name,
    /// <see cref="MaskAgreement.Pick{T}"/>): the steps are fixed, so more pairs only cost loading.
    /// </summary>
    public int MaxRealPairs { get; init; } = 50;

    /// <summary>Dice at or below which the mask is taken not to label its image (quality part 1).</summary>
    public double DisagreeDice { get; init; } = 0.1;

    /// <summary>Dice at or above which the mask agrees (quality part 0); linear in between.</summary>
    public double AgreeDice { get; init; } = 0.5;

    public SegmentationTrainingConfig Training => new()
    {
        Epochs = 1,
        Steps = Steps,
        BatchSize = BatchSize,
        ImageSize = ImageSize,
        LearningRate = LearningRate,
        LowLearningRate = LearningRate,
        Augment = Augment,
        Seed = Seed,
        UNet = new UNetConfig { Widths = Widths },
    };

    /// <summary>
    /// The mask agreement gate's default threshold on its score, 1 − Dice: a sample is flagged when
    /// its Dice is at or below <see cref="DisagreeDice"/> (0.9: Dice ≤ 0.1, the mask does not label
    /// its image; docs/QUALITY.md says how far that is calibrated).
    /// </summary>
    public double GateThreshold => 1 - DisagreeDice;

    /// <summary>A stable text of everything that changes the trained model (for a cache key).</summary>
    public string Fingerprint() =>
        FormattableString.Invariant($"unet|{ImageSize}|{Steps}|{BatchSize}|{LearningRate:R}|{string.Join(",", Widths)}|{Augment}|{Seed}");

    public void Validate()
    {
        Training.Validate();
        if (MaxRealPairs < 1) throw new ArgumentException($"the segmenter needs at least one real pair (max real pairs {MaxRealPairs})");
        if (!(DisagreeDice >= 0 && DisagreeDice < AgreeDice && AgreeDice <= 1))
            throw new ArgumentException($"agreement thresholds need 0 ≤ disagree < agree ≤ 1 (got {DisagreeDice} and {AgreeDice})");
    }
}
