using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// A job schedules its retention deletion when it finishes, so a job that finished before
/// SinGanSeg:RetentionDays was set (or while it was unset) would otherwise be kept forever: an
/// operator who turns retention on for patients' data expects it to cover what is already stored.
/// When the silo is up and a period is set, this walks the job list once and asks every job to
/// schedule its deletion (<see cref="IJobCoordinatorGrain.ScheduleRetention"/>: idempotent, and a
/// job already scheduled costs one reminder read). Every silo does it at start; the jobs are single
/// activations, so a second sweep only finds them scheduled. In the background, retried with
/// back-off while the store is unreachable, so a storage outage never holds up the silo's start.
/// </summary>
public sealed class RetentionSweep(IGrainFactory grains, SinGanSegOptions options, ILogger<RetentionSweep> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _sweep;

    /// <summary>The sweep of this silo's start (null before it starts or without a retention period); for tests.</summary>
    public Task? Completion => _sweep;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RetentionSweep), ServiceLifecycleStage.Active, Start, async _ =>
        {
            await _stop.CancelAsync();
            if (_sweep is { } sweep) await sweep.ContinueWith(_ => { }, TaskScheduler.Default);
        });

    private Task Start(CancellationToken _)
    {
        if (options.Retention is not null) _sweep = Task.Run(() => SweepWithRetries(_stop.Token));
        return Task.CompletedTask;
    }

    private async Task SweepWithRetries(CancellationToken cancellation)
    {
        for (var attempt = 1; !cancellation.IsCancellationRequested; attempt++)
        {
            try
            {
                var (listed, scheduled) = await SweepOnce(cancellation);
                logger.LogInformation("retention sweep: {Scheduled} of {Listed} listed jobs have their deletion scheduled ({Days} days after they finished)",
                    scheduled, listed, options.RetentionDays);
                return;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(300, 5 * Math.Pow(2, Math.Min(attempt, 6))));
                logger.LogWarning("retention sweep: not done yet ({Error}); trying again in {Wait}", e.Message, wait);
                try
                {
                    await Task.Delay(wait, cancellation);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One pass over the job list, every job asked (the listing's phase can lag the job's own).</summary>
    private async Task<(int Listed, int Scheduled)> SweepOnce(CancellationToken cancellation)
    {
        var registry = grains.GetGrain<IJobRegistryGrain>(0);
        string? continuation = null;
        var (listed, scheduled) = (0, 0);
        do
        {
            cancellation.ThrowIfCancellationRequested();
            var page = await registry.List(100, continuation);
            foreach (var job in page.Jobs)
            {
                listed++;
                if (await grains.GetGrain<IJobCoordinatorGrain>(job.JobId).ScheduleRetention()) scheduled++;
            }
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return (listed, scheduled);
    }
}
