using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SinGanSeg.Grains.Execution;

namespace SinGanSeg.Grains.Telemetry;

/// <summary>The live device executors of this process, for the slot gauges (one per silo; test clusters host several).</summary>
public static class ExecutorRegistry
{
    private static readonly ConcurrentDictionary<DeviceExecutor, byte> Executors = new();

    public static void Add(DeviceExecutor executor) => Executors.TryAdd(executor, 0);

    public static void Remove(DeviceExecutor executor) => Executors.TryRemove(executor, out _);

    public static IEnumerable<Measurement<int>> Observe(Func<DeviceExecutor, int> value) =>
        Executors.Keys.GroupBy(e => e.Device.type.ToString().ToLowerInvariant())
            .Select(g => new Measurement<int>(g.Sum(value), new KeyValuePair<string, object?>("device", g.Key)));
}
