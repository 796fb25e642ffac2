namespace SinGanSeg.Abstractions;

/// <summary>
/// What deleting a job removed. Counts and model keys only: the report (like the audit record it
/// mirrors) must not repeat the file names of the private images it deleted.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobDeletionReport(
    [property: Id(0)] string JobId,
    [property: Id(1)] bool Existed,
    [property: Id(2)] string RequestedBy,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] int ObjectsDeleted,
    [property: Id(5)] string[] ModelsDeleted,
    [property: Id(6)] string[] ModelsKept,
    [property: Id(7)] string? AuditKey);
