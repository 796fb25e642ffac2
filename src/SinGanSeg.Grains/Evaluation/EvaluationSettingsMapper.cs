using SinGanSeg.Abstractions;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Grains.Evaluation;

/// <summary>The wire settings as the core library's immutable configs (which validate them).</summary>
public static class EvaluationSettingsMapper
{
    public static EvaluationOptions Options(EvaluationSettings s) => new()
    {
        Folds = s.Folds,
        Seed = s.Seed,
        Mixed = s.Mixed,
        MixRealShare = s.MixRealShare,
        SmallDataSizes = s.SmallDataSizes ?? [],
        Models = SegmentationModels.Normalize(s.Models),
        Sets = s.Sets,
    };

    public static SegmentationTrainingConfig Training(EvaluationSettings s) => new()
    {
        Epochs = s.Epochs,
        ImageSize = s.ImageSize,
        BatchSize = s.BatchSize,
        LearningRateDropEpoch = s.LearningRateDropEpoch,
        LearningRate = s.LearningRate,
        LowLearningRate = s.LearningRate / 10,
        Seed = s.Seed,
        Steps = s.Steps,
        UNet = s.UNetWidths is { Count: > 0 } w ? new UNetConfig { Widths = w } : new UNetConfig(),
        Network = new UNetPlusPlusConfig
        {
            DeepSupervision = s.DeepSupervision,
            DecoderChannels = s.DecoderChannels is { Count: > 0 } d ? d : new UNetPlusPlusConfig().DecoderChannels,
        },
    };

    /// <summary>
    /// The training of every run of an evaluation: the same number of gradient steps for all (see
    /// <see cref="EvaluationPlanner.StepsFor"/>), counted over every set even when only some are kept.
    /// </summary>
    public static SegmentationTrainingConfig Training(EvaluationSpec spec) =>
        Training(spec.Settings) with
        {
            Steps = EvaluationPlanner.StepsFor(Plan(spec with { Settings = spec.Settings with { Sets = null } }),
                spec.Settings.Epochs, spec.Settings.BatchSize, spec.Settings.Steps),
        };

    /// <summary>The run plan, from names and sources only (paths are resolved by the run that needs them).</summary>
    public static IReadOnlyList<EvaluationRun> Plan(EvaluationSpec spec)
    {
        var real = spec.Real.Select(r => new SegmentationPair(r.Name, r.ImageRef, r.MaskRef)).ToList();
        var synthetic = spec.Synthetic.Select(s => new SyntheticPair(s.Name, s.ImageRef, s.MaskRef, s.Source, s.StyledRef)).ToList();
        var test = spec.Test?.Select(r => new SegmentationPair(r.Name, r.ImageRef, r.MaskRef)).ToList();
        return EvaluationPlanner.Plan(real, synthetic, Options(spec.Settings), test);
    }

    /// <summary>The settings' own rules, without images (folds against the image count is the plan's rule, see <see cref="Validate"/>).</summary>
    public static void CheckSettings(EvaluationSettings s)
    {
        Training(s).Validate();
        Options(s).Validate();
    }

    public static void Validate(EvaluationSpec spec)
    {
        if (!Jobs.JobValidation.IsSafeName(spec.EvaluationId))
            throw new ArgumentException($"evaluation id '{spec.EvaluationId}' must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        Training(spec.Settings).Validate();
        Plan(spec);
    }
}
