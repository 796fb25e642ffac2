using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using SinGanSeg.Grains.Execution;

namespace SinGanSeg.Grains.Hosting;

/// <summary>
/// A graceful silo stop (a Kubernetes SIGTERM, a scale-down) first lets running trainings finish
/// the scale they are on and checkpoint it, up to <see cref="SinGanSegOptions.ShutdownGrace"/>,
/// before Orleans deactivates the image grains. Without it a paper-size scale (minutes on a GPU)
/// in progress would be thrown away on every rolling update. Joins the silo lifecycle at its last
/// stage, which stops first, while the silo can still make the grain calls a commit needs.
/// </summary>
public sealed class ShutdownDrain(SinGanSegOptions options, ILogger<ShutdownDrain> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _draining = new();
    private DeviceExecutor? _executor;

    /// <summary>Cancelled when the silo starts draining: training stops at its next scale boundary.</summary>
    public CancellationToken Draining => _draining.Token;

    /// <summary>The executor, once image work has created it (a silo that never trains never loads torch).</summary>
    internal void Attach(DeviceExecutor executor) => _executor = executor;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ShutdownDrain), ServiceLifecycleStage.Last, _ => Task.CompletedTask, StopAsync);

    private async Task StopAsync(CancellationToken cancellation)
    {
        if (options.ShutdownGrace <= TimeSpan.Zero) return;
        await _draining.CancelAsync();
        var executor = _executor;
        if (executor is null || executor.Busy == 0) return;
        logger.LogWarning("draining: waiting up to {Grace} for {Busy} running training(s) to checkpoint their current scale", options.ShutdownGrace, executor.Busy);
        var started = TimeProvider.System.GetTimestamp();
        while (executor.Busy > 0 && TimeProvider.System.GetElapsedTime(started) < options.ShutdownGrace && !cancellation.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (executor.Busy > 0)
            logger.LogWarning("drain grace over with {Busy} training(s) still mid-scale; they resume from their last checkpoint elsewhere", executor.Busy);
        else
            logger.LogInformation("drained in {Elapsed}", TimeProvider.System.GetElapsedTime(started));
    }
}
