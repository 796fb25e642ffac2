using System.Diagnostics;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Generation;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// Runs every sample through the registered gates (<see cref="GateRegistry"/>). Each gate scores
/// the sample; its verdict is flagged at or above the job's threshold for it. A sample flagged by
/// a gate whose policy acts (the first such gate in order decides) is regenerated — a new derived
/// seed, same index, in rounds so a round's samples share batches — up to that gate's MaxTries, or
/// dropped. Report only records the verdicts. Dropped samples stay in the context, apart from the
/// kept ones.
/// </summary>
public sealed class GateStage(IReadOnlyList<GateStage.Gate> gates) : IImageStage
{
    /// <summary>A gate with the job's options for it: its name (manifest, droppedBy, counts), policy, tries and threshold.</summary>
    public sealed record Gate(string Name, GatePolicy Policy, int MaxTries, double Threshold, ISampleGate Check);

    public const string SpanName = "image.gates";

    public string Span => SpanName;

    public bool Applies(StageContext context) => gates.Count > 0 && context.Samples.Count > 0;

    public void Run(StageContext c, Activity? span)
    {
        try
        {
            Check(c, span);
        }
        finally
        {
            foreach (var gate in gates) (gate.Check as IDisposable)?.Dispose();
        }
    }

    private void Check(StageContext c, Activity? span)
    {
        c.Box.Update(p => p with { Phase = ImagePhase.Checking });
        foreach (var gate in gates) gate.Check.Prepare(c);
        var pending = c.Samples.ToList();
        c.Samples.Clear();
        for (var round = 1; pending.Count > 0; round++)
        {
            var regenerate = new List<SampleState>();
            foreach (var sample in pending)
            {
                c.Cancellation.ThrowIfCancellationRequested();
                // Every gate scores every sample, so the manifest has all verdicts.
                GateVerdict[] verdicts = [.. gates.Select(g => Verdict(g, g.Check.Score(c, sample)))];
                sample.Verdicts = verdicts;
                var acting = gates.Where((g, i) => verdicts[i].Flagged).FirstOrDefault(g => g.Policy != GatePolicy.Report);
                if (acting is null) c.Samples.Add(sample);
                else if (acting.Policy == GatePolicy.Regenerate && sample.Tries <= acting.MaxTries)
                {
                    regenerate.Add(sample);
                    c.RegeneratedBy[acting.Name] = c.RegeneratedBy.GetValueOrDefault(acting.Name) + 1;
                }
                else
                {
                    sample.DroppedBy = acting.Name;
                    c.Dropped.Add(sample);
                }
            }
            pending = regenerate.Count == 0 ? [] : [.. GenerateStage.Generate(c, [.. regenerate.Select(s => s.Index)],
                SampleSeeds.ForRetry(c.Work.Seed, round), $"retry-{round}", tries: round + 1)];
        }
        c.Samples.Sort((a, b) => a.Index.CompareTo(b.Index));
        span?.SetTag("samples.kept", c.Samples.Count);
        span?.SetTag("samples.dropped", c.Dropped.Count);
        span?.SetTag("samples.regenerated", c.Regenerated);
        foreach (var (gate, n) in c.RegeneratedBy) span?.SetTag($"samples.regenerated.{gate}", n);
        c.Box.Update(p => p with { Samples = c.Samples.Count, Gates = Counts(c) });
    }

    /// <summary>
    /// The verdict: flagged on the unrounded score (as the threshold was calibrated), the score
    /// rounded as the manifest shows it.
    /// </summary>
    public static GateVerdict Verdict(Gate gate, GateScores s) =>
        new(gate.Name, Math.Round(s.Score, 5), gate.Threshold, s.Score >= gate.Threshold, s.Values, s.Reasons, s.Detail);

    /// <summary>Checked, flagged per gate (every gate the job has on, even at 0), regenerated (in all and per asking gate), dropped.</summary>
    public static GateCounts Counts(StageContext c)
    {
        var all = c.Samples.Concat(c.Dropped).ToList();
        var flagged = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var gate in GateRegistry.All.Where(g => c.Work.Gates.IsOn(g.Name))) flagged[gate.Name] = all.Count(s => s.Verdicts?.Any(v => v.Gate == gate.Name && v.Flagged) == true);
        return new GateCounts(Checked: all.Count, Regenerated: c.Regenerated, Dropped: c.Dropped.Count, Flagged: flagged,
            RegeneratedBy: new Dictionary<string, int>(c.RegeneratedBy, StringComparer.Ordinal));
    }
}
