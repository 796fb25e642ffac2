namespace SinGanSeg.Abstractions;

/// <summary>
/// One entry of an image's event log: a state change (queued, a stage began, a scale stored, done,
/// failed with its reason, cancelled), a retry (a new attempt, with the previous attempt's error) or
/// a resume on another silo. Kept by the image's grain, newest last.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ImageEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Kind,
    [property: Id(2)] ImagePhase Phase,
    [property: Id(3)] int Attempt,
    [property: Id(4)] string? Message = null,
    [property: Id(5)] string? Silo = null);

/// <summary>The kinds of <see cref="ImageEvent"/>, so the log reads the same everywhere.</summary>
public static class ImageEventKinds
{
    public const string Queued = "queued";
    public const string Retry = "retry";
    public const string Stage = "stage";
    public const string Scale = "scale";
    public const string Resumed = "resumed";
    public const string Done = "done";
    public const string Failed = "failed";
    /// <summary>No progress for the stall timeout while working: the run was stopped (its attempt fails next).</summary>
    public const string Stalled = "stalled";
    public const string Cancelled = "cancelled";
}
