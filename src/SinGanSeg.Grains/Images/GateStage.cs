using System.Diagnostics;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Generation;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// Runs every sample through the registered gates. A sample flagged by a gate whose policy acts
/// (the first such gate in order decides) is regenerated — a new derived seed, same index, in
/// rounds so a round's samples share batches — up to that gate's MaxTries, or dropped. Report
/// only records the verdicts. Dropped samples stay in the context, apart from the kept ones.
/// </summary>
public sealed class GateStage(IReadOnlyList<ISampleGate> gates) : IImageStage
{
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
            foreach (var gate in gates) (gate as IDisposable)?.Dispose();
        }
    }

    private void Check(StageContext c, Activity? span)
    {
        c.Box.Update(p => p with { Phase = ImagePhase.Checking });
        foreach (var gate in gates) gate.Prepare(c);
        var pending = c.Samples.ToList();
        c.Samples.Clear();
        for (var round = 1; pending.Count > 0; round++)
        {
            var regenerate = new List<SampleState>();
            foreach (var sample in pending)
            {
                c.Cancellation.ThrowIfCancellationRequested();
                // Every gate scores every sample, so the manifest has all verdicts.
                var flagged = gates.Where(g => g.Check(c, sample)).ToList();
                var acting = flagged.FirstOrDefault(g => g.Policy != GatePolicy.Report);
                if (acting is null) c.Samples.Add(sample);
                else if (acting.Policy == GatePolicy.Regenerate && sample.Tries <= acting.MaxTries) regenerate.Add(sample);
                else
                {
                    sample.DroppedBy = acting.Name;
                    c.Dropped.Add(sample);
                }
            }
            pending = regenerate.Count == 0 ? [] : [.. GenerateStage.Generate(c, [.. regenerate.Select(s => s.Index)],
                SampleSeeds.ForRetry(c.Work.Seed, round), $"retry-{round}", tries: round + 1)];
            c.Regenerated += regenerate.Count;
        }
        c.Samples.Sort((a, b) => a.Index.CompareTo(b.Index));
        span?.SetTag("samples.kept", c.Samples.Count);
        span?.SetTag("samples.dropped", c.Dropped.Count);
        span?.SetTag("samples.regenerated", c.Regenerated);
        c.Box.Update(p => p with { Samples = c.Samples.Count, Gates = Counts(c) });
    }

    public static GateCounts Counts(StageContext c) => new(
        Checked: c.Samples.Count + c.Dropped.Count,
        CopyFlagged: c.Samples.Concat(c.Dropped).Count(s => s.CopyCheck?.Flagged == true),
        QualityFlagged: c.Samples.Concat(c.Dropped).Count(s => s.Quality?.Flagged == true),
        Regenerated: c.Regenerated,
        Dropped: c.Dropped.Count);
}
