using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// What a job persists in grain state. The dataset list itself (paths, upload keys) and every
/// image's sample list live in the artifact store, so the state stays small for 1000 images.
/// </summary>
[GenerateSerializer]
public sealed class JobState
{
    [Id(0)] public string? Fingerprint { get; set; }
    [Id(1)] public JobPhase Phase { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(4)] public TrainingOptions? Training { get; set; }
    [Id(5)] public int SamplesPerImage { get; set; }
    [Id(6)] public long Seed { get; set; }
    [Id(7)] public int GenStartScale { get; set; }
    [Id(8)] public int MaxAttempts { get; set; }
    [Id(9)] public bool AllowEmptyMasks { get; set; }
    [Id(10)] public Dictionary<string, ImageRecord> Images { get; set; } = [];
    [Id(11)] public string? ManifestKey { get; set; }

    /// <summary>The evaluation the job started when it finished (if it asked for one), or why it could not.</summary>
    [Id(12)] public string? EvaluationId { get; set; }
    [Id(13)] public string? EvaluationError { get; set; }

    /// <summary>That evaluation once it finished (its summary goes into the dataset card).</summary>
    [Id(20)] public EvaluationStatus? Evaluation { get; set; }

    /// <summary>Evaluations asked for after the job finished (POST /api/evaluations); deleted with the job like its own.</summary>
    [Id(21)] public List<string> Evaluations { get; set; } = [];

    /// <summary>The submit span (W3C traceparent): image spans link to it, also after restarts.</summary>
    [Id(14)] public string? TraceParent { get; set; }

    /// <summary>Whether the job is in the registry's list yet (registering is retried until it is).</summary>
    [Id(15)] public bool Listed { get; set; }

    /// <summary>Set when a deletion starts (by a user or the retention policy); a deletion cut short resumes from it.</summary>
    [Id(16)] public DateTimeOffset? DeleteRequestedAt { get; set; }
    [Id(17)] public string? DeleteRequestedBy { get; set; }

    public bool IsDeleting => DeleteRequestedAt is not null;

    /// <summary>The registry page the job is listed on, and the phase its listing shows (updated on every phase change).</summary>
    [Id(18)] public int? ListedPage { get; set; }
    [Id(19)] public JobPhase? ListedPhase { get; set; }

    public bool IsFinished => Phase is JobPhase.Completed or JobPhase.CompletedWithErrors or JobPhase.Cancelled;
}

[GenerateSerializer]
public sealed class ImageRecord : ITrackedWork
{
    [Id(0)] public ImagePhase Phase { get; set; } = ImagePhase.Pending;
    [Id(1)] public int Attempts { get; set; } = 1;
    [Id(2)] public string? Error { get; set; }
    [Id(3)] public DateTimeOffset? NextAttemptAt { get; set; }
    [Id(4)] public bool Started { get; set; }
    [Id(5)] public int CompletedScales { get; set; }
    [Id(6)] public int ScaleCount { get; set; }
    [Id(7)] public int Samples { get; set; }
    [Id(8)] public string? ModelKey { get; set; }
    [Id(9)] public bool FromCache { get; set; }
    [Id(10)] public DateTimeOffset? LastHeard { get; set; }
    [Id(11)] public double? Sifid { get; set; }
    [Id(12)] public double? SifidStyled { get; set; }
    [Id(13)] public string? SifidMetric { get; set; }
    [Id(14)] public int Styled { get; set; }

    /// <summary>Attempts used before the last manual retry: automatic retries count from here, so a retry gets the job's full budget.</summary>
    [Id(15)] public int RetryBase { get; set; }

    /// <summary>What the gates counted for this image's samples.</summary>
    [Id(17)] public GateCounts? Gates { get; set; }

    [Id(16)] public int InfrastructureFailures { get; set; }

    /// <summary>The tracker's view of the phase: Queued, Training, Generating, Styling and Scoring are all Active.</summary>
    WorkStage ITrackedWork.Stage
    {
        get => Phase switch
        {
            ImagePhase.Pending => WorkStage.Pending,
            ImagePhase.RetryScheduled => WorkStage.RetryScheduled,
            ImagePhase.Done => WorkStage.Done,
            ImagePhase.Failed => WorkStage.Failed,
            ImagePhase.Cancelled => WorkStage.Cancelled,
            _ => WorkStage.Active,
        };
        set => Phase = value switch
        {
            WorkStage.Pending => ImagePhase.Pending,
            WorkStage.RetryScheduled => ImagePhase.RetryScheduled,
            WorkStage.Done => ImagePhase.Done,
            WorkStage.Failed => ImagePhase.Failed,
            WorkStage.Cancelled => ImagePhase.Cancelled,
            _ => ((ITrackedWork)this).Stage == WorkStage.Active ? Phase : ImagePhase.Queued,
        };
    }

    public bool IsTerminal => Phases.IsTerminal(Phase);
}
