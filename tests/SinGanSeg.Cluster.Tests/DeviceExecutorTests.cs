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

    [Fact]
    public async Task A_caller_that_sees_its_work_done_sees_its_slot_free()
    {
        SinGanSeg.Core.Native.TorchRuntime.EnsureLoaded();
        using var executor = new DeviceExecutor([CPU], slotsPerDevice: 1);
        // The drain and the busy gauge read Busy right after work ends: it must already count the slot free,
        // whether the work returned, threw or was cancelled.
        var late = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var outcome = i % 3;
            var run = executor.Run($"quick {i}", (_, _) => outcome switch
            {
                0 => i,
                1 => throw new InvalidOperationException("bad item"),
                _ => throw new OperationCanceledException(),
            }, CancellationToken.None);
            try { await run; } catch (Exception) when (outcome != 0) { }
            if (executor.Busy is var busy and not 0) late.Add($"run {i} (outcome {outcome}): busy {busy}");
        }
        Assert.Empty(late);
    }

    [Fact]
    public async Task Work_that_ignores_its_cancellation_loses_its_thread_and_the_slot_gets_a_new_one()
    {
        SinGanSeg.Core.Native.TorchRuntime.EnsureLoaded();
        var given = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var executor = new DeviceExecutor([CPU], slotsPerDevice: 1, abandonAfter: TimeSpan.FromMilliseconds(500), onAbandoned: (slot, work) => given.Enqueue($"{slot} {work}"));
        using var stuck = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        // A thread blocked where cancellation cannot reach it (a hung driver or a call without timeout).
        var blocked = executor.Run("blocked", (_, _) => { stuck.Wait(); return "returned late"; }, cancel.Token);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.Busy < 1 && DateTime.UtcNow < deadline) await Task.Delay(20);
        // Not cancelled: it is left alone however long it takes.
        await Task.Delay(1500);
        Assert.False(blocked.IsCompleted);
        Assert.Equal(0, executor.Abandoned);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, executor.Abandoned);
        Assert.True(executor.Wedged); // its only slot's thread is stuck
        Assert.Equal(["singanseg-cpu-slot0 blocked"], given.ToArray());
        // The one slot works again on a new thread.
        Assert.Equal(42, await executor.Run("next", (_, _) => 42, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, executor.Busy);

        // The old thread returns after all: its result is ignored, it ends, and the count goes down.
        stuck.Set();
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.Abandoned > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, executor.Abandoned);
        Assert.False(executor.Wedged);
        Assert.Equal(7, await executor.Run("after", (_, _) => 7, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Work_that_stops_when_cancelled_keeps_its_thread()
    {
        SinGanSeg.Core.Native.TorchRuntime.EnsureLoaded();
        using var executor = new DeviceExecutor([CPU], slotsPerDevice: 1, abandonAfter: TimeSpan.FromMilliseconds(300));
        using var cancel = new CancellationTokenSource();
        var thread = new TaskCompletionSource<Thread>();
        var run = executor.Run("polite", (_, ct) => { thread.SetResult(Thread.CurrentThread); ct.WaitHandle.WaitOne(); Thread.Sleep(100); ct.ThrowIfCancellationRequested(); return 0; }, cancel.Token);
        var first = await thread.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await Task.Delay(1000);
        Assert.Equal(0, executor.Abandoned);
        Assert.Same(first, await executor.Run("next", (_, _) => Thread.CurrentThread, CancellationToken.None));
    }

    [Fact]
    public async Task Waiting_work_runs_highest_priority_first_and_leaves_the_queue_when_cancelled()
    {
        SinGanSeg.Core.Native.TorchRuntime.EnsureLoaded();
        using var executor = new DeviceExecutor([CPU], slotsPerDevice: 1);
        using var release = new ManualResetEventSlim();
        var blocker = executor.Run("blocker", (_, ct) => release.Wait(TimeSpan.FromSeconds(20), ct), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.Busy < 1 && DateTime.UtcNow < deadline) await Task.Delay(20);

        // Fresh images (0), resumed ones with stored scales (2, 5), in a mixed arrival order.
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var withdraw = new CancellationTokenSource();
        (string Name, int Priority, CancellationToken Token)[] items =
            [("fresh a", 0, default), ("resumed b", 2, default), ("fresh c", 0, withdraw.Token), ("resumed d", 2, default), ("resumed e", 5, default), ("fresh f", 0, default)];
        var runs = items.Select(i => executor.Run(i.Name, (_, _) => { order.Enqueue(i.Name); return i.Name; }, i.Token, i.Priority)).ToList();
        Assert.Equal(6, executor.Queued);

        // Cancelled while waiting: done at once, not when a slot would reach it, and no longer counted.
        withdraw.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runs[2].WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(5, executor.Queued);
        Assert.False(blocker.IsCompleted);

        release.Set();
        Assert.True(await blocker);
        await Task.WhenAll(runs.Where((_, i) => i != 2));
        Assert.Equal(["resumed e", "resumed b", "resumed d", "fresh a", "fresh f"], order.ToArray());
        Assert.Equal(0, executor.Queued);
    }
}
