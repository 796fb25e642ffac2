namespace SinGanSeg.Abstractions;

/// <summary>
/// The one place that says which phases are terminal, working or waiting. The grains, the CLI
/// and (through GET /api/phases) the dashboard read these lists, so a new phase is added here only.
/// </summary>
public static class Phases
{
    /// <summary>An image in one of these will not change again unless a user retries it.</summary>
    public static IReadOnlyList<ImagePhase> TerminalImage { get; } = [ImagePhase.Done, ImagePhase.Failed, ImagePhase.Cancelled];

    /// <summary>An image in one of these holds an executor slot.</summary>
    public static IReadOnlyList<ImagePhase> WorkingImage { get; } = [ImagePhase.Training, ImagePhase.Generating, ImagePhase.Checking, ImagePhase.Styling, ImagePhase.Scoring];

    /// <summary>Started and not ended: handed to a silo (queued there) or working.</summary>
    public static IReadOnlyList<ImagePhase> ActiveImage { get; } = [ImagePhase.Queued, .. WorkingImage];

    /// <summary>An image in one of these waits for a slot or for its retry time.</summary>
    public static IReadOnlyList<ImagePhase> WaitingImage { get; } = [ImagePhase.Pending, ImagePhase.Queued, ImagePhase.RetryScheduled];

    /// <summary>A job in one of these has ended.</summary>
    public static IReadOnlyList<JobPhase> FinishedJob { get; } = [JobPhase.Completed, JobPhase.CompletedWithErrors, JobPhase.Cancelled];

    public static bool IsTerminal(ImagePhase phase) => TerminalImage.Contains(phase);

    public static bool IsWorking(ImagePhase phase) => WorkingImage.Contains(phase);

    public static bool IsWaiting(ImagePhase phase) => WaitingImage.Contains(phase);

    public static bool IsFinished(JobPhase phase) => FinishedJob.Contains(phase);
}
