using System.Diagnostics;
using SinGanSeg.Grains.Telemetry;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Execution;

/// <summary>
/// Runs a silo's torch work: a fixed number of slots (dedicated threads) per device, several
/// small SinGANs per GPU if configured, every GPU of the pod if given several, and one queue for
/// the rest. Work is synchronous on its slot's thread and gets that slot's device; grains await
/// the returned task. The queue serves higher priorities first and equal ones in arrival order:
/// an image resumed with stored scales asks for its count of them, so after a restart or a lost
/// silo the partly trained images finish before fresh ones start (their stored work is used
/// soonest and the fewest models sit half-trained). Work cancelled while it waits leaves the
/// queue at once. Disposing the executor (silo shutdown or kill)
/// cancels running and queued work, so nothing keeps writing after the silo is gone.
/// A slot whose work ignores its cancellation for longer than the grace (a thread blocked in a
/// driver or a call without timeout) is given up: its caller sees the work cancelled, a new
/// thread takes the slot, and the old one is left to return or not (<see cref="Abandoned"/>;
/// the silo's liveness probe fails when every slot has been lost this way).
/// </summary>
public sealed class DeviceExecutor : IDisposable
{
    /// <param name="Caller">The queuing code's current span: made current on the slot thread, so engine logs carry its trace and spans can hang under it.</param>
    private sealed record Item(string Name, Func<Device, CancellationToken, object?> Work, TaskCompletionSource<object?> Done, CancellationToken Cancellation, Activity? Caller);

    /// <summary>One slot's thread and what it runs; guarded by the executor's lock.</summary>
    private sealed class Slot(Device device, string name)
    {
        public Device Device { get; } = device;
        public string Name { get; } = name;
        public Thread? Thread;
        public Item? Current;
        public long CancelledAt;
        public bool Abandoned;
    }

    // Min-heap on (−priority, arrival): the highest priority first, then first come first served.
    private readonly PriorityQueue<Item, (long Priority, long Arrival)> _queue = new();
    private readonly Lock _queueLock = new();
    // One count per item put in the queue; a slot takes one before it looks (an item removed by
    // its cancellation leaves a count behind, which the slot then finds nothing for).
    private readonly SemaphoreSlim _available = new(0);
    private long _arrivals;
    private bool _closed;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _lock = new();
    private readonly List<Slot> _slots = [];
    private readonly TimeSpan _abandonAfter;
    private readonly Action<string, string>? _onAbandoned;
    private readonly Timer? _watch;
    private int _busy;
    private int _queued;
    private int _abandoned;

    public DeviceExecutor(Device device, int slots) : this([device], slots)
    {
    }

    /// <param name="slotsPerDevice">Concurrent work items on each device.</param>
    /// <param name="abandonAfter">How long running work may ignore its cancellation before its slot gets a new thread (null: never).</param>
    /// <param name="onAbandoned">Told (slot, work name) when a slot's thread is given up, for the log.</param>
    public DeviceExecutor(IReadOnlyList<Device> devices, int slotsPerDevice, TimeSpan? abandonAfter = null, Action<string, string>? onAbandoned = null)
    {
        if (slotsPerDevice < 1) throw new ArgumentOutOfRangeException(nameof(slotsPerDevice), "a device needs at least one slot");
        if (devices.Count == 0) throw new ArgumentException("an executor needs at least one device", nameof(devices));
        Devices = devices;
        Slots = slotsPerDevice * devices.Count;
        _onAbandoned = onAbandoned;
        // Slot i of every device before slot i+1 of any: the first trainings spread over the GPUs.
        for (var i = 0; i < slotsPerDevice; i++)
        {
            foreach (var device in devices) StartSlot(new Slot(device, $"singanseg-{device}-slot{i}"));
        }
        if (abandonAfter is { } after)
        {
            _abandonAfter = after;
            var period = TimeSpan.FromTicks(Math.Clamp(after.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(5).Ticks));
            _watch = new Timer(_ => AbandonStuckSlots(), null, period, period);
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

    /// <summary>Threads given up because their work ignored its cancellation, and still not returned.</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);

    /// <summary>Every slot's thread has been given up at least once and is still stuck: the silo can no longer be trusted to run work.</summary>
    public bool Wedged => Abandoned >= Slots;

    /// <param name="work">Runs on a slot thread with that slot's device.</param>
    /// <param name="priority">Higher runs first among waiting work; equal priorities in arrival order.</param>
    public async Task<T> Run<T>(string name, Func<Device, CancellationToken, T> work, CancellationToken cancellation, int priority = 0)
    {
        var done = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = new Item(name, (device, ct) => work(device, ct), done, cancellation, Activity.Current);
        lock (_queueLock)
        {
            if (_closed) throw new ObjectDisposedException(nameof(DeviceExecutor), "the silo is shutting down");
            _queue.Enqueue(item, (-(long)priority, _arrivals++));
            Interlocked.Increment(ref _queued);
        }
        _available.Release();
        // Cancelled while waiting: out of the queue now, not when a slot would have reached it.
        using var waiting = cancellation.Register(() => Withdraw(item));
        return (T)(await done.Task)!;
    }

    private void Withdraw(Item item)
    {
        lock (_queueLock)
        {
            if (!_queue.Remove(item, out _, out _, ReferenceEqualityComparer.Instance)) return;   // already taken by a slot, which handles the cancellation
            Interlocked.Decrement(ref _queued);
        }
        item.Done.TrySetCanceled(item.Cancellation);
    }

    /// <summary>Blocks until an item is waiting and takes the first; null when the executor shuts down.</summary>
    private Item? Take()
    {
        while (true)
        {
            try
            {
                _available.Wait(_shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            lock (_queueLock)
            {
                if (_queue.TryDequeue(out var item, out _))
                {
                    Interlocked.Decrement(ref _queued);
                    return item;
                }
            }
        }
    }

    private void StartSlot(Slot slot)
    {
        var thread = new Thread(() => Loop(slot), maxStackSize: 16 * 1024 * 1024) { IsBackground = true, Name = slot.Name };
        lock (_lock)
        {
            slot.Thread = thread;
            _slots.Add(slot);
        }
        thread.Start();
    }

    private void Loop(Slot slot)
    {
        while (true)
        {
            if (Take() is not { } item) return;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(item.Cancellation, _shutdown.Token);
            if (linked.IsCancellationRequested)
            {
                item.Done.TrySetCanceled(linked.Token);
                continue;
            }
            Interlocked.Increment(ref _busy);
            lock (_lock)
            {
                slot.Current = item;
                slot.CancelledAt = 0;
            }
            // When the work is asked to stop; the watch gives up the thread if it does not.
            using var cancelled = linked.Token.Register(() => Interlocked.CompareExchange(ref slot.CancelledAt, Stopwatch.GetTimestamp(), 0));
            var started = Stopwatch.GetTimestamp();
            Activity.Current = item.Caller;
            // The outcome is held until the slot is settled: a caller that sees its work done
            // must also see the slot free (the drain and the busy gauge read it right after).
            object? result = null;
            Exception? failure = null;
            try
            {
                result = item.Work(slot.Device, linked.Token);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                Activity.Current = null;
                SinGanSegMetrics.ComputeSeconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
            bool abandoned;
            lock (_lock)
            {
                abandoned = slot.Abandoned;
                slot.Current = null;
                if (abandoned) _slots.Remove(slot);
            }
            if (!abandoned) Interlocked.Decrement(ref _busy);
            // A given-up slot's caller was told already; these are then no-ops.
            switch (failure)
            {
                case null: item.Done.TrySetResult(result); break;
                case OperationCanceledException cancelledBy: item.Done.TrySetCanceled(cancelledBy.CancellationToken); break;
                default: item.Done.TrySetException(failure); break;
            }
            if (!abandoned) continue;
            // Given up earlier and returned after all: its slot has a new thread, so this one ends.
            Interlocked.Decrement(ref _abandoned);
            return;
        }
    }

    /// <summary>Gives up the threads whose work has ignored its cancellation for longer than the grace.</summary>
    private void AbandonStuckSlots()
    {
        if (_shutdown.IsCancellationRequested) return;
        List<Slot> stuck = [];
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                var at = Interlocked.Read(ref slot.CancelledAt);
                if (slot.Abandoned || slot.Current is not { } item || at == 0 || Stopwatch.GetElapsedTime(at) < _abandonAfter) continue;
                // All under the lock the slot thread settles under: if the old thread returns now, it
                // finds its slot given up, the log told, its caller told (continuations run
                // asynchronously, not in here) and the busy count already down, so whatever it
                // returns is ignored.
                slot.Abandoned = true;
                Interlocked.Increment(ref _abandoned);
                Interlocked.Decrement(ref _busy);
                _onAbandoned?.Invoke(slot.Name, item.Name);
                item.Done.TrySetCanceled();
                stuck.Add(slot);
            }
        }
        foreach (var slot in stuck) StartSlot(new Slot(slot.Device, slot.Name));
    }

    public void Dispose()
    {
        if (_shutdown.IsCancellationRequested) return;
        ExecutorRegistry.Remove(this);
        _watch?.Dispose();
        List<Item> pending = [];
        lock (_queueLock)
        {
            _closed = true;
            while (_queue.TryDequeue(out var item, out _)) pending.Add(item);
            Interlocked.Exchange(ref _queued, 0);
        }
        _shutdown.Cancel();
        foreach (var item in pending) item.Done.TrySetCanceled(_shutdown.Token);
        List<Thread> threads;
        lock (_lock) threads = [.. _slots.Where(s => !s.Abandoned && s.Thread is not null).Select(s => s.Thread!)];
        // Given-up threads are not waited for: they ignored cancellation before.
        foreach (var t in threads) t.Join(TimeSpan.FromSeconds(30));
        // Neither _shutdown nor _available is disposed: a slot thread whose work outlasts the join
        // still links _shutdown's token and calls Take when its work returns, and a disposed one
        // would throw there, unhandled on that thread, ending the process. Cancelled, _shutdown
        // makes Take return at once; neither holds anything that needs releasing.
    }
}
