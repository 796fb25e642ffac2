namespace SinGanSeg.Core.Training;

/// <summary>When the learning rate drops by <see cref="SinGanConfig.Gamma"/>.</summary>
public enum LearningRateSchedule
{
    /// <summary>
    /// At <see cref="SinGanConfig.LearningRateDropAt"/> (80 %) of the iterations: 1600 of the
    /// paper's 2000, as the reference, and still a drop for short presets (400 of fast's 500).
    /// </summary>
    Fraction,

    /// <summary>
    /// The reference's MultiStepLR milestone, iteration 1600 whatever the iteration count: a run
    /// of 1600 iterations or fewer never drops.
    /// </summary>
    Reference,
}
