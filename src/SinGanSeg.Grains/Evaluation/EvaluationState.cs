using SinGanSeg.Abstractions;

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
}

[GenerateSerializer]
public sealed class EvaluationRunRecord
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

    public bool IsTerminal => Phase is EvaluationRunPhase.Done or EvaluationRunPhase.Failed;
}
