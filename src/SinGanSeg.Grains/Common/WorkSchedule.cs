using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Common;

/// <summary>When a coordinator (job or evaluation) starts a piece of work again.</summary>
public static class WorkSchedule
{
    /// <summary>Exponential backoff: the base delay after the first failure, doubling after each further one.</summary>
    public static TimeSpan RetryDelay(SinGanSegOptions options, int attemptsSoFar) => options.RetryBaseDelay * Math.Pow(2, attemptsSoFar - 1);

    /// <summary>Unfinished work that was never started, or has not been heard of for StaleImageAfter (its silo is likely gone).</summary>
    public static bool IsSilent(SinGanSegOptions options, bool started, DateTimeOffset? lastHeard, DateTimeOffset now) =>
        !started || lastHeard is null || now - lastHeard > options.StaleImageAfter;
}
