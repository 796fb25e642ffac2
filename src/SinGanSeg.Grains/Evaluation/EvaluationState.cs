using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;

namespace SinGanSeg.Grains.Evaluation;

/// <summary>What an evaluation persists; the spec and the run results live in the artifact store.</summary>
[GenerateSerializer]
public sealed class EvaluationState
{
    [Id(0)] public string? Fingerprint { get; set; }
    [Id(1)] public EvaluationPhase Phase { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(4)] public Dictionary<string, EvaluationRunRecord> Runs { get; set; } = [];
    [Id(5)] public string? ReportPrefix { get; set; }
    [Id(6)] public List<EvaluationSetScores>? Summary { get; set; }
    [Id(7)] public string? Error { get; set; }

    /// <summary>Tries per run (the job's budget; state stored before it was kept reads as the former fixed 3).</summary>
    [Id(8)] public int MaxAttempts { get; set; } = 3;

    /// <summary>The job whose dataset it evaluates (none for a standalone `singanseg evaluate`).</summary>
    [Id(9)] public string? JobId { get; set; }

    /// <summary>The evaluation list's page it is on, and the phase its listing shows (updated on every phase change).</summary>
    [Id(10)] public int? ListedPage { get; set; }
    [Id(11)] public EvaluationPhase? ListedPhase { get; set; }

    public bool IsFinished => Phase is EvaluationPhase.Completed or EvaluationPhase.CompletedWithErrors or EvaluationPhase.Cancelled;
}

[GenerateSerializer]
public sealed class EvaluationRunRecord : ITrackedWork
{
    [Id(0)] public EvaluationRunPhase Phase { get; set; } = EvaluationRunPhase.Pending;
    [Id(1)] public int Attempts { get; set; } = 1;
    [Id(2)] public string? Error { get; set; }
    [Id(3)] public DateTimeOffset? NextAttemptAt { get; set; }
    [Id(4)] public DateTimeOffset? LastHeard { get; set; }
    [Id(5)] public double? TestDice { get; set; }
    [Id(6)] public double? TestIou { get; set; }
    [Id(7)] public double? ValidationIou { get; set; }
    [Id(8)] public bool Started { get; set; }
    [Id(9)] public int RetryBase { get; set; }
    [Id(10)] public int InfrastructureFailures { get; set; }

    /// <summary>The tracker's view of the phase.</summary>
    WorkStage ITrackedWork.Stage
    {
        get => Phase switch
        {
            EvaluationRunPhase.Pending => WorkStage.Pending,
            EvaluationRunPhase.Running => WorkStage.Active,
            EvaluationRunPhase.RetryScheduled => WorkStage.RetryScheduled,
            EvaluationRunPhase.Done => WorkStage.Done,
            EvaluationRunPhase.Cancelled => WorkStage.Cancelled,
            _ => WorkStage.Failed,
        };
        set => Phase = value switch
        {
            WorkStage.Pending => EvaluationRunPhase.Pending,
            WorkStage.Active => EvaluationRunPhase.Running,
            WorkStage.RetryScheduled => EvaluationRunPhase.RetryScheduled,
            WorkStage.Done => EvaluationRunPhase.Done,
            WorkStage.Cancelled => EvaluationRunPhase.Cancelled,
            _ => EvaluationRunPhase.Failed,
        };
    }

    public bool IsTerminal => Phase is EvaluationRunPhase.Done or EvaluationRunPhase.Failed or EvaluationRunPhase.Cancelled;
}
