using System.Diagnostics;
using System.Threading.Channels;
using SinGanSeg.Grains.Telemetry;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Execution;

/// <summary>
/// Runs a silo's torch work: a fixed number of slots (dedicated threads) per device, several
/// small SinGANs per GPU if configured, every GPU of the pod if given several, and one queue for
/// the rest. Work is synchronous on its slot's thread and gets that slot's device; grains await
/// the returned task. Disposing the executor (silo shutdown or kill)
/// cancels running and queued work, so nothing keeps writing after the silo is gone.
/// </summary>
public sealed class DeviceExecutor : IDisposable
{
    /// <param name="Caller">The queuing code's current span: made current on the slot thread, so engine logs carry its trace and spans can hang under it.</param>
    private sealed record Item(string Name, Func<Device, CancellationToken, object?> Work, TaskCompletionSource<object?> Done, CancellationToken Cancellation, Activity? Caller);

    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly List<Thread> _threads = [];
    private int _busy;
    private int _queued;

    public DeviceExecutor(Device device, int slots) : this([device], slots)
    {
    }

    /// <param name="slotsPerDevice">Concurrent work items on each device.</param>
    public DeviceExecutor(IReadOnlyList<Device> devices, int slotsPerDevice)
    {
        if (slotsPerDevice < 1) throw new ArgumentOutOfRangeException(nameof(slotsPerDevice), "a device needs at least one slot");
        if (devices.Count == 0) throw new ArgumentException("an executor needs at least one device", nameof(devices));
        Devices = devices;
        Slots = slotsPerDevice * devices.Count;
        // Slot i of every device before slot i+1 of any: the first trainings spread over the GPUs.
        for (var i = 0; i < slotsPerDevice; i++)
        {
            foreach (var device in devices)
            {
                var thread = new Thread(() => Loop(device), maxStackSize: 16 * 1024 * 1024) { IsBackground = true, Name = $"singanseg-{device}-slot{i}" };
                _threads.Add(thread);
                thread.Start();
            }
        }
        ExecutorRegistry.Add(this);
    }

    /// <summary>The first device; all of them are in <see cref="Devices"/>.</summary>
    public Device Device => Devices[0];
    public IReadOnlyList<Device> Devices { get; }

    /// <summary>Slots over all devices.</summary>
    public int Slots { get; }
    public int Busy => Volatile.Read(ref _busy);
    public int Queued => Volatile.Read(ref _queued);

    /// <param name="work">Runs on a slot thread with that slot's device.</param>
    public async Task<T> Run<T>(string name, Func<Device, CancellationToken, T> work, CancellationToken cancellation)
    {
        var done = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(new Item(name, (device, ct) => work(device, ct), done, cancellation, Activity.Current)))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(DeviceExecutor), "the silo is shutting down");
        }
        return (T)(await done.Task)!;
    }

    private void Loop(Device device)
    {
        while (true)
        {
            Item item;
            try
            {
                if (!_queue.Reader.WaitToReadAsync(_shutdown.Token).AsTask().GetAwaiter().GetResult()) return;
                if (!_queue.Reader.TryRead(out item!)) continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Interlocked.Decrement(ref _queued);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(item.Cancellation, _shutdown.Token);
            if (linked.IsCancellationRequested)
            {
                item.Done.TrySetCanceled(linked.Token);
                continue;
            }
            Interlocked.Increment(ref _busy);
            var started = Stopwatch.GetTimestamp();
            Activity.Current = item.Caller;
            try
            {
                item.Done.TrySetResult(item.Work(device, linked.Token));
            }
            catch (OperationCanceledException e)
            {
                item.Done.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                item.Done.TrySetException(e);
            }
            finally
            {
                Activity.Current = null;
                Interlocked.Decrement(ref _busy);
                SinGanSegMetrics.ComputeSeconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
    }

    public void Dispose()
    {
        if (_shutdown.IsCancellationRequested) return;
        ExecutorRegistry.Remove(this);
        _queue.Writer.TryComplete();
        _shutdown.Cancel();
        while (_queue.Reader.TryRead(out var pending)) pending.Done.TrySetCanceled(_shutdown.Token);
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(30));
        _shutdown.Dispose();
    }
}
