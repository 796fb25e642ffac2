using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Evaluation;
using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// POST /api/evaluations body: which finished job's dataset to evaluate, and the evaluation's
/// settings (the fields of a job's <c>evaluate</c>, flat); anything absent takes the same default
/// as there. The real images and synthetic pairs are the job's own.
/// </summary>
public sealed record EvaluationSubmission
{
    public required string JobId { get; init; }

    /// <summary>Absent: derived from the job and the evaluation, so the same request again returns the same evaluation.</summary>
    public string? EvaluationId { get; init; }

    /// <summary>"unetpp" (ImageNet ResNet18 encoder, the default) and/or "unet" (plain U-Net from scratch).</summary>
    public IReadOnlyList<string>? Models { get; init; }
    public int? Folds { get; init; }
    public int? Epochs { get; init; }

    /// <summary>Gradient steps per run, the same for every model and set (default: from epochs).</summary>
    public int? Steps { get; init; }
    public int? ImageSize { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public int? LearningRateDropEpoch { get; init; }

    /// <summary>Small-data curve: N real images against the synthetic pairs made from those N, per N.</summary>
    public IReadOnlyList<int>? SmallDataSizes { get; init; }

    /// <summary>Also train on real + synthetic sets (default true).</summary>
    public bool? Mixed { get; init; }

    /// <summary>Also train on balanced mixes, the real pairs repeated to at least this share (e.g. 0.5); absent: none.</summary>
    public double? MixRealShare { get; init; }

    /// <summary>Train only these sets, e.g. ["real", "synthetic-raw"] ("real" always among them); absent: every set.</summary>
    public IReadOnlyList<string>? Sets { get; init; }
    public long? Seed { get; init; }
    public IReadOnlyList<int>? DecoderChannels { get; init; }
    public bool? DeepSupervision { get; init; }
    public IReadOnlyList<int>? UNetWidths { get; init; }

    /// <summary>Tries per run (default: the job's).</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// The settings, each field checked on its own against the defaults first so a refusal names
    /// the field as the body spells it ("imageSize: image size must be a positive multiple of 32").
    /// </summary>
    public EvaluationSettings Settings()
    {
        JobValidation.RequireSafeName(JobId, "jobId");
        if (EvaluationId is not null) JobValidation.RequireSafeName(EvaluationId, "evaluationId");
        if (MaxAttempts is < 1 or > 10) throw new ArgumentException($"maxAttempts must be between 1 and 10 (got {MaxAttempts})");
        var d = new EvaluationSettings();
        var settings = new EvaluationSettings(Folds ?? d.Folds, Epochs ?? d.Epochs, ImageSize ?? d.ImageSize, BatchSize ?? d.BatchSize,
            LearningRateDropEpoch, SmallDataSizes, Mixed ?? d.Mixed, Seed ?? d.Seed, DecoderChannels, DeepSupervision ?? d.DeepSupervision,
            LearningRate ?? d.LearningRate, Models is { Count: > 0 } ? Models : null, Steps, UNetWidths, MixRealShare, Sets is { Count: > 0 } ? Sets : null);
        (string Field, EvaluationSettings Alone)[] fields =
        [
            ("folds", d with { Folds = settings.Folds }), ("epochs", d with { Epochs = settings.Epochs }),
            ("imageSize", d with { ImageSize = settings.ImageSize }), ("batchSize", d with { BatchSize = settings.BatchSize }),
            ("learningRate", d with { LearningRate = settings.LearningRate }), ("steps", d with { Steps = settings.Steps }),
            ("smallDataSizes", d with { SmallDataSizes = settings.SmallDataSizes }), ("decoderChannels", d with { DecoderChannels = settings.DecoderChannels }),
            ("uNetWidths", d with { UNetWidths = settings.UNetWidths }), ("models", d with { Models = settings.Models }),
            ("mixRealShare", d with { MixRealShare = settings.MixRealShare }),
            ("sets", d with { Sets = settings.Sets, Mixed = settings.Mixed, MixRealShare = settings.MixRealShare }),
        ];
        foreach (var (field, alone) in fields)
        {
            try
            {
                EvaluationSettingsMapper.CheckSettings(alone);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{field}: {e.Message}");
            }
        }
        if (LearningRateDropEpoch is < 1) throw new ArgumentException($"learningRateDropEpoch must be at least 1 (got {LearningRateDropEpoch})");
        EvaluationSettingsMapper.CheckSettings(settings);
        return settings;
    }
}
