using SinGanSeg.Abstractions;
using SinGanSeg.Core.Segmentation;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// The mask agreement gate: does the sample's mask label its image? Core's <see cref="MaskAgreement"/>
/// segmenter, trained once per job by <see cref="IJobSegmenterGrain"/> and loaded here from the
/// artifact store, predicts the sample's image; the score is 1 − Dice with the sample's mask.
/// Off unless the job or the site turns it on (<see cref="GateOptions.OffByDefault"/>).
/// </summary>
public sealed class MaskAgreementGate : ISampleGate, IDisposable
{
    /// <summary>The gate's name in settings, verdicts and the card.</summary>
    public const string Name = "maskAgreement";

    /// <summary>Flagged at Dice ≤ 0.1 (docs/QUALITY.md).</summary>
    public static double DefaultThreshold { get; } = new MaskAgreementConfig().GateThreshold;

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private MaskAgreement? _segmenter;

    public void Prepare(StageContext c)
    {
        if (_segmenter is not null) return;
        var grains = c.Grains ?? throw new InvalidOperationException("the mask agreement gate needs the silo's grains (its job's segmenter)");
        var job = grains.GetGrain<IJobSegmenterGrain>(c.Work.JobId);
        // Blocks this slot while the job's segmenter trains (on a thread of its own, about a minute).
        string? key;
        while ((key = job.Segmenter().GetAwaiter().GetResult()) is null)
        {
            // Waiting on a segmenter that is training is progress, not a stall (the grain's stall watch).
            c.Box.Update(p => p);
            c.Cancellation.WaitHandle.WaitOne(Poll);
            c.Cancellation.ThrowIfCancellationRequested();
        }
        var local = Path.Combine(c.Scratch, "segmenter.bin");
        if (!c.Store.GetFileAsync(key, local, c.Cancellation).GetAwaiter().GetResult())
            throw new InvalidOperationException($"the job's segmenter {key} is missing from the artifact store");
        _segmenter = MaskAgreement.Load(local, c.Options.MaskAgreement, c.Device);
    }

    public GateScores Score(StageContext c, SampleState sample)
    {
        var s = _segmenter!.Score([new SegmentationPair(sample.Name, sample.ImagePath, sample.MaskPath)])[0];
        // The manifest's maskAgreement fields (README.md), in this order.
        return new GateScores(s.Disagreement,
        [
            new("dice", Math.Round(s.Dice, 5)), new("predictedForeground", Math.Round(s.PredictedForeground, 6)),
            new("maskForeground", Math.Round(s.MaskForeground, 6)), new("realDice", Math.Round(_segmenter.RealDice, 5)),
        ]);
    }

    public void Dispose() => _segmenter?.Dispose();
}
