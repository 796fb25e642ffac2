using System.Text.Json.Serialization;

namespace SinGanSeg.Core.Training;

/// <summary>
/// Everything that shapes a trained SinGAN-Seg model. Defaults are the reference's
/// (config.py of the released code); see <see cref="Presets"/> for the named variants.
/// </summary>
public sealed record SinGanConfig
{
    /// <summary>Image channels: RGB plus the mask.</summary>
    public int Channels { get; init; } = 4;
    public int MinSize { get; init; } = 25;
    public int MaxSize { get; init; } = 250;
    public double ScaleFactor { get; init; } = 0.75;
    public int Iterations { get; init; } = 2000;
    public double NoiseAmp { get; init; } = 0.1;
    public int BaseWidth { get; init; } = 32;
    public int BaseMinWidth { get; init; } = 32;
    public int Layers { get; init; } = 5;
    public int KernelSize { get; init; } = 3;
    public double LearningRateG { get; init; } = 5e-4;
    public double LearningRateD { get; init; } = 5e-4;
    public double Beta1 { get; init; } = 0.5;

    /// <summary>Learning-rate factor applied from <see cref="LearningRateMilestone"/> on.</summary>
    public double Gamma { get; init; } = 0.1;
    public double LearningRateDropAt { get; init; } = 0.8;
    public int DiscriminatorSteps { get; init; } = 3;
    public int GeneratorSteps { get; init; } = 3;
    public double GradientPenaltyWeight { get; init; } = 0.1;
    public double ReconstructionWeight { get; init; } = 10;
    public GeneratorUpdateMode GeneratorUpdate { get; init; } = GeneratorUpdateMode.Reference;

    /// <summary>
    /// Left out of the JSON while it is the default, so configurations (and the model keys
    /// hashed from them) written before the option existed stay the same.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public LearningRateSchedule LearningRateSchedule { get; init; } = LearningRateSchedule.Fraction;

    /// <summary>The reference's MultiStepLR milestone (training.py: milestones=[1600]).</summary>
    public const int ReferenceMilestone = 1600;

    /// <summary>First iteration (0-based) trained at the dropped rate; ≥ <see cref="Iterations"/> means no drop.</summary>
    public int LearningRateMilestone => LearningRateSchedule == LearningRateSchedule.Reference
        ? ReferenceMilestone
        : (int)Math.Floor(Iterations * LearningRateDropAt);

    /// <summary>The factor on both learning rates at 0-based <paramref name="iteration"/>.</summary>
    public double LearningRateFactor(int iteration) => iteration >= LearningRateMilestone ? Gamma : 1.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option and its valid range.</summary>
    public SinGanConfig Validated()
    {
        Require(Channels is 3 or 4, "channels", "3 or 4");
        Require(MinSize >= 8, "min size", ">= 8 px");
        Require(MaxSize >= MinSize, "max size", $">= min size ({MinSize})");
        Require(ScaleFactor is > 0.3 and < 1, "scale factor", "between 0.3 and 1");
        Require(Iterations >= 1, "iterations", ">= 1");
        Require(NoiseAmp > 0, "noise amplitude", "> 0");
        Require(BaseWidth >= 1 && BaseMinWidth >= 1, "network width", ">= 1");
        Require(Layers >= 3, "layers", ">= 3");
        Require(KernelSize is >= 1 and <= 7 && KernelSize % 2 == 1, "kernel size", "an odd number from 1 to 7");
        Require(LearningRateG > 0 && LearningRateD > 0, "learning rate", "> 0");
        Require(Beta1 is >= 0 and < 1, "beta1", "in [0, 1)");
        Require(Gamma is > 0 and <= 1, "gamma", "in (0, 1]");
        Require(LearningRateDropAt is > 0 and <= 1, "learning-rate drop point", "in (0, 1]");
        Require(DiscriminatorSteps >= 1 && GeneratorSteps >= 1, "steps per iteration", ">= 1");
        Require(GradientPenaltyWeight >= 0 && ReconstructionWeight >= 0, "loss weights", ">= 0");
        return this;
    }

    private static void Require(bool ok, string name, string range)
    {
        if (!ok) throw new ArgumentException($"invalid {name}: must be {range}");
    }
}
