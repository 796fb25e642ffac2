using SinGanSeg.Grains.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>The executor behind image and evaluation grains: slots per device, every device used (a GPU pod's cuda:all).</summary>
public class DeviceExecutorTests
{
    [Fact]
    public async Task Runs_slots_per_device_on_every_device_at_once()
    {
        SinGanSeg.Core.Native.TorchRuntime.EnsureLoaded();
        // Two CPU "devices" stand in for a two-GPU pod: same code path as cuda:all.
        Device[] devices = [new Device(DeviceType.CPU, -1), new Device(DeviceType.CPU, -1)];
        using var executor = new DeviceExecutor(devices, slotsPerDevice: 2);
        Assert.Equal(4, executor.Slots);
        using var allRunning = new Barrier(4);
        var seen = new System.Collections.Concurrent.ConcurrentBag<Device>();
        var runs = Enumerable.Range(0, 4).Select(i => executor.Run($"item {i}", (device, ct) =>
        {
            seen.Add(device);
            // Every item must be running at the same time for all four to pass the barrier.
            return allRunning.SignalAndWait(TimeSpan.FromSeconds(20), ct);
        }, CancellationToken.None)).ToList();
        Assert.All(await Task.WhenAll(runs), Assert.True);
        Assert.Equal(2, seen.Count(d => ReferenceEquals(d, devices[0])));
        Assert.Equal(2, seen.Count(d => ReferenceEquals(d, devices[1])));

        // A fifth item waits in the queue while the four slots are busy.
        using var release = new ManualResetEventSlim();
        var busy = Enumerable.Range(0, 4).Select(i => executor.Run($"busy {i}", (_, ct) => release.Wait(TimeSpan.FromSeconds(20), ct), CancellationToken.None)).ToList();
        var queued = executor.Run("queued", (_, _) => true, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.Busy < 4 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(4, executor.Busy);
        Assert.Equal(1, executor.Queued);
        Assert.False(queued.IsCompleted);
        release.Set();
        Assert.True(await queued);
        await Task.WhenAll(busy);
    }
}
