using System.Diagnostics;
using SinGanSeg.Grains.Storage;
using Microsoft.Extensions.Logging;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Training;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// Trains the scales the model cache lacks, uploading each scale as it finishes (files, then the
/// manifest that lists them) and telling the job (<see cref="ScaleCommitted"/>) before the next.
/// Skipped when the cache holds the whole model.
/// </summary>
public sealed class TrainStage(Action<int, int>? scaleCommitted, CancellationToken stopBetweenScales) : IImageStage
{
    public string Span => SinGanSegActivity.ImageTrain;

    public bool Applies(StageContext c)
    {
        if (c.FromCache) c.Logger.LogInformation("{Image}: model {Model} found in the cache, training skipped", c.Name, c.ModelKey);
        return !c.FromCache;
    }

    public void Run(StageContext c, Activity? train)
    {
        var first = c.Folder.TryReadManifest()?.Scales.Count ?? 0;
        var count = c.Geometry.ScaleCount;
        c.Logger.LogInformation("{Image}: training model {Model} from scale {Scale} of {Count}", c.Name, c.ModelKey, first, count);
        train?.SetTag("scale.count", count);
        train?.SetTag("scale.first", first);
        var parent = train?.Context ?? Activity.Current?.Context ?? default;
        Activity? scaleSpan = null;
        void OpenScale(int index)
        {
            scaleSpan = SinGanSegActivity.StartStage(SinGanSegActivity.ImageTrainScale, parent, c.Work.JobId, c.Name);
            scaleSpan?.SetTag(SinGanSegActivity.Scale, index);
        }
        // Progress is throttled; counting the iterations between reports keeps the counter exact.
        var (countedScale, counted) = (-1, 0);
        try
        {
            OpenScale(first);
            new SinGanTrainer(c.Device)
            {
                ProgressInterval = TimeSpan.FromSeconds(1),
                Progress = p =>
                {
                    if (p.Scale != countedScale) (countedScale, counted) = (p.Scale, 0);
                    if (p.Iteration > counted) SinGanSegMetrics.TrainingIterations.Add(p.Iteration - counted);
                    counted = Math.Max(counted, p.Iteration);
                    c.Box.Update(b => b with
                    {
                        CompletedScales = p.CompletedScales,
                        Iteration = p.Iteration,
                        Iterations = p.Iterations,
                        IterationsPerSecond = p.IterationsPerSecond,
                        EtaSeconds = p.TotalEta.TotalSeconds,
                    });
                },
                ScaleFinished = r =>
                {
                    SinGanSegMetrics.ScaleDuration.Record(r.Seconds, SinGanSegMetrics.Tag("scale", r.Index));
                    c.Checkout.CommitScale(c.Folder, r.Index, c.Cancellation);
                    scaleCommitted?.Invoke(r.Index + 1, count);
                    c.Box.Update(b => b with { CompletedScales = r.Index + 1 });
                    scaleSpan?.SetTag(SinGanSegActivity.ScaleIterations, r.Iterations);
                    scaleSpan?.SetTag(SinGanSegActivity.ScaleSeconds, r.Seconds);
                    scaleSpan?.Dispose();
                    scaleSpan = null;
                    if (r.Index + 1 < count) OpenScale(r.Index + 1);
                },
            }.Train(new TrainingRequest(c.Pair, c.Config, c.Work.Seed, c.Folder.Path, c.Name), c.Checkout.Token, stopBetweenScales);
        }
        catch (Exception e)
        {
            scaleSpan.Fail(e);
            throw;
        }
        finally
        {
            scaleSpan?.Dispose();
        }
    }
}
