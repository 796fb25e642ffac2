namespace SinGanSeg.Grains.Execution;

/// <summary>
/// The silo's <see cref="DeviceExecutor"/> once it exists (it is created with the first image
/// grain, which loads torch), so the liveness probe can ask about it without creating it.
/// </summary>
public sealed class ExecutorHealth
{
    private DeviceExecutor? _executor;

    internal void Attach(DeviceExecutor executor) => _executor = executor;

    /// <summary>Every slot's thread given up and still stuck: only a restart frees the device.</summary>
    public bool Wedged => _executor?.Wedged ?? false;

    public int Abandoned => _executor?.Abandoned ?? 0;

    public int Slots => _executor?.Slots ?? 0;
}
