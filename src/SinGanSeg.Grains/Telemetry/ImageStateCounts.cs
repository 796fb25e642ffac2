using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Telemetry;

/// <summary>
/// How many images of the jobs active on this silo are in each state, for the singanseg.images
/// gauge. Each coordinator publishes an immutable count on a state change; the gauge sums them
/// when it is read (on the exporter's thread, so it never touches grain state).
/// </summary>
public static class ImageStateCounts
{
    public static readonly IReadOnlyList<string> States = ["queued", "training", "generating", "styling", "scoring", "done", "failed", "retry", "cancelled"];

    private static readonly ConcurrentDictionary<string, int[]> Jobs = new(StringComparer.Ordinal);

    /// <summary>The position in <see cref="States"/> an image in this phase counts under.</summary>
    private static int IndexOf(ImagePhase phase) => phase switch
    {
        ImagePhase.Pending or ImagePhase.Queued => 0,
        ImagePhase.Training => 1,
        ImagePhase.Generating => 2,
        ImagePhase.Styling => 3,
        ImagePhase.Scoring => 4,
        ImagePhase.Done => 5,
        ImagePhase.Failed => 6,
        ImagePhase.RetryScheduled => 7,
        _ => 8,
    };

    public static void Publish(string jobId, IEnumerable<ImagePhase> phases)
    {
        var counts = new int[States.Count];
        foreach (var p in phases) counts[IndexOf(p)]++;
        Jobs[jobId] = counts;
    }

    public static void Remove(string jobId) => Jobs.TryRemove(jobId, out _);

    public static IEnumerable<Measurement<long>> Observe()
    {
        var totals = new long[States.Count];
        foreach (var counts in Jobs.Values)
            for (var i = 0; i < totals.Length; i++) totals[i] += counts[i];
        for (var i = 0; i < totals.Length; i++) yield return new Measurement<long>(totals[i], new KeyValuePair<string, object?>("state", States[i]));
    }
}
