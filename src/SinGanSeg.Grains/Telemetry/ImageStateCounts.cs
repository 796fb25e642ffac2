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

    public static string StateOf(ImagePhase phase) => phase switch
    {
        ImagePhase.Pending or ImagePhase.Queued => "queued",
        ImagePhase.Training => "training",
        ImagePhase.Generating => "generating",
        ImagePhase.Styling => "styling",
        ImagePhase.Scoring => "scoring",
        ImagePhase.Done => "done",
        ImagePhase.Failed => "failed",
        ImagePhase.RetryScheduled => "retry",
        _ => "cancelled",
    };

    public static void Publish(string jobId, IEnumerable<ImagePhase> phases)
    {
        var counts = new int[States.Count];
        foreach (var p in phases) counts[IndexOf(StateOf(p))]++;
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

    private static int IndexOf(string state)
    {
        for (var i = 0; i < States.Count; i++) if (States[i] == state) return i;
        throw new ArgumentOutOfRangeException(nameof(state), state, null);
    }
}
