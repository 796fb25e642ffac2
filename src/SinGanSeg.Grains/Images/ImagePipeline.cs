using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Training;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// One image's work, synchronous on an executor slot: fetch the inputs, fetch whatever
/// checkpoints exist, train the missing scales (uploading each as it finishes), generate the
/// samples, restyle them if the job asks (<see cref="StyleStage"/>), score them
/// (<see cref="ScoreStage"/>) and upload them. The grain only schedules this and reports what it returns.
/// </summary>
public sealed class ImagePipeline(IArtifactStore store, SinGanSegOptions options, Device device, ILogger logger)
{
    /// <summary>Called (on the training thread) after a scale's checkpoint is uploaded, with (finished scales, scale count).</summary>
    public Action<int, int>? ScaleCommitted { get; init; }

    /// <summary>Set when the silo drains: training stops once the scale in progress is checkpointed.</summary>
    public CancellationToken StopBetweenScales { get; init; }

    public ImageOutcome Run(ImageWork work, string scratch, ProgressBox box, CancellationToken cancellation)
    {
        Directory.CreateDirectory(scratch);
        var name = work.Input.Name;
        var imagePath = Resolve(work.Input.ImageRef, Path.Combine(scratch, "input-image"), cancellation);
        var maskPath = Resolve(work.Input.MaskRef, Path.Combine(scratch, "input-mask"), cancellation);
        var pair = new ImagePairLoader(options.ImageLimits with { AllowEmptyMask = work.AllowEmptyMask }).LoadPair(imagePath, maskPath);
        var config = TrainingOptionsMapper.ToConfig(work.Training);
        var geometry = PyramidGeometry.Compute(pair.Height, pair.Width, config.MinSize, config.MaxSize, config.ScaleFactor, imagePath);
        var inputHash = pair.ContentHash();
        var modelKey = ModelKeys.For(inputHash, config, work.Seed);
        var modelDir = Path.Combine(scratch, "model");
        // One writer per model key: waits (no attempt spent) while another job's image or a stale
        // activation holds it, and reuses the model when that writer completes it.
        using var checkout = ModelCheckout.Open(store, options, modelKey, $"{work.JobId}/{name}/{Guid.NewGuid():N}", modelDir,
            () => box.Update(p => p with { ModelKey = modelKey }), cancellation);
        var folder = new ModelFolder(modelDir);
        var existing = folder.TryReadManifest();
        var fromCache = checkout.FromCache;
        box.Update(p => p with
        {
            Phase = fromCache ? ImagePhase.Generating : ImagePhase.Training,
            ModelKey = modelKey,
            CompletedScales = existing?.Scales.Count ?? 0,
            ScaleCount = geometry.ScaleCount,
            FromCache = fromCache,
        });
        // The executor made the grain's image.run span current on this thread; stages hang under it.
        var parent = Activity.Current?.Context ?? default;
        if (!fromCache)
        {
            logger.LogInformation("{Image}: training model {Model} from scale {Scale} of {Count}", name, modelKey, existing?.Scales.Count ?? 0, geometry.ScaleCount);
            Stage(SinGanSegActivity.ImageTrain, parent, work, train =>
            {
                train?.SetTag("scale.count", geometry.ScaleCount);
                train?.SetTag("scale.first", existing?.Scales.Count ?? 0);
                Activity? scaleSpan = null;
                void OpenScale(int index)
                {
                    scaleSpan = SinGanSegActivity.StartStage(SinGanSegActivity.ImageTrainScale, train?.Context ?? parent, work.JobId, name);
                    scaleSpan?.SetTag(SinGanSegActivity.Scale, index);
                }
                // Progress is throttled; counting the iterations between reports keeps the counter exact.
                var (countedScale, counted) = (-1, 0);
                try
                {
                    OpenScale(existing?.Scales.Count ?? 0);
                    return new SinGanTrainer(device)
                    {
                        ProgressInterval = TimeSpan.FromSeconds(1),
                        Progress = p =>
                        {
                            if (p.Scale != countedScale) (countedScale, counted) = (p.Scale, 0);
                            if (p.Iteration > counted) SinGanSegMetrics.TrainingIterations.Add(p.Iteration - counted);
                            counted = Math.Max(counted, p.Iteration);
                            box.Update(b => b with
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
                            checkout.CommitScale(folder, r.Index, cancellation);
                            ScaleCommitted?.Invoke(r.Index + 1, geometry.ScaleCount);
                            box.Update(b => b with { CompletedScales = r.Index + 1 });
                            scaleSpan?.SetTag(SinGanSegActivity.ScaleIterations, r.Iterations);
                            scaleSpan?.SetTag(SinGanSegActivity.ScaleSeconds, r.Seconds);
                            scaleSpan?.Dispose();
                            scaleSpan = null;
                            if (r.Index + 1 < geometry.ScaleCount) OpenScale(r.Index + 1);
                        },
                    }.Train(new TrainingRequest(pair, config, work.Seed, modelDir, name), checkout.Token, StopBetweenScales);
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
            });
        }
        else
        {
            logger.LogInformation("{Image}: model {Model} found in the cache, training skipped", name, modelKey);
        }
        var manifest = folder.ReadManifest();
        var samplesDir = Path.Combine(scratch, "samples");
        var samples = Stage(SinGanSegActivity.ImageGenerate, parent, work, generate =>
        {
            using var model = folder.LoadModel(device).WithId(name);
            List<GeneratedSample> generated = [.. new SampleGenerator(model)
            {
                BatchSize = options.SampleBatchSize,
                GenStartScale = Math.Min(work.GenStartScale, model.ScaleCount - 1),
                Progress = (done, _) => box.Update(b => b with { Samples = done }),
            }.Generate(work.SamplesPerImage, work.Seed, samplesDir, cancellation)];
            generate?.SetTag("samples", generated.Count);
            SinGanSegMetrics.SamplesGenerated.Add(generated.Count);
            return generated;
        });
        var sampleFiles = samples.Select(s => (Name: Path.GetFileNameWithoutExtension(s.ImagePath), Path: s.ImagePath)).ToList();
        IReadOnlyDictionary<string, string> styled = work.Style is { } style
            ? Stage(SinGanSegActivity.ImageStyle, parent, work, _ => new StyleStage(store, options, device, logger).Run(work, style, imagePath, sampleFiles, scratch, box, cancellation))
            : new Dictionary<string, string>();
        IReadOnlyDictionary<string, ScoreStage.Scores> scores = work.Score
            ? Stage(SinGanSegActivity.ImageScore, parent, work, _ => new ScoreStage(options, device).Run(imagePath, sampleFiles, styled, box, cancellation))
            : new Dictionary<string, ScoreStage.Scores>();
        var configJson = ModelKeys.ConfigJson(config);
        var imageSha = FileSha256(imagePath);
        var maskSha = FileSha256(maskPath);
        var records = new List<SampleRecord>();
        foreach (var s in samples)
        {
            cancellation.ThrowIfCancellationRequested();
            var sampleName = Path.GetFileNameWithoutExtension(s.ImagePath);
            var imageKey = ModelKeys.SampleImage(work.JobId, sampleName);
            var maskKey = ModelKeys.SampleMask(work.JobId, sampleName);
            store.PutFileAsync(maskKey, s.MaskPath, cancellation).GetAwaiter().GetResult();
            store.PutFileAsync(imageKey, s.ImagePath, cancellation).GetAwaiter().GetResult();
            var isStyled = styled.ContainsKey(sampleName);
            var score = scores.GetValueOrDefault(sampleName);
            records.Add(new SampleRecord(sampleName, imageKey, maskKey, name, imageSha, modelKey, manifest.Seed, work.Seed, s.Index,
                work.GenStartScale, configJson, double.IsNaN(s.ForegroundFraction) ? MaskForeground(s.MaskPath) : s.ForegroundFraction, maskSha,
                StyledName: isStyled ? sampleName + StyleStage.Suffix : null,
                StyledImageKey: isStyled ? ModelKeys.SampleImage(work.JobId, sampleName + StyleStage.Suffix) : null,
                Sifid: score?.Raw, SifidStyled: score?.Styled, SifidMetric: score?.Metric));
        }
        return new ImageOutcome(name, true, records, null, false, work.Attempt, modelKey, fromCache);
    }

    /// <summary>Runs one engine stage inside its span (failed when the stage throws).</summary>
    private static T Stage<T>(string span, ActivityContext parent, ImageWork work, Func<Activity?, T> run)
    {
        using var activity = SinGanSegActivity.StartStage(span, parent, work.JobId, work.Input.Name);
        try
        {
            return run(activity);
        }
        catch (Exception e)
        {
            activity.Fail(e);
            throw;
        }
    }

    /// <summary>A file: or artifact: reference as a local path; a missing input is the user's error, not a transient one.</summary>
    private string Resolve(string reference, string downloadBase, CancellationToken cancellation)
    {
        if (reference.StartsWith("file://", StringComparison.Ordinal))
        {
            var path = new Uri(reference).LocalPath;
            return File.Exists(path) ? path : throw new InvalidInputException(path, "file not found", "Check the dataset path; every silo must be able to read it.");
        }
        if (reference.StartsWith("artifact:", StringComparison.Ordinal))
        {
            var key = reference["artifact:".Length..];
            var path = downloadBase + Path.GetExtension(key);
            if (!store.GetFileAsync(key, path, cancellation).GetAwaiter().GetResult())
                throw new InvalidInputException(key, "uploaded input missing from the artifact store", "Submit the job again with its files.");
            return path;
        }
        throw new InvalidInputException(reference, "unknown input reference", "Use file:///absolute/path or artifact:KEY.");
    }

    private static string FileSha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
    }

    private static double MaskForeground(string maskPath)
    {
        using var mask = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(maskPath);
        long fg = 0;
        mask.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++) foreach (var p in rows.GetRowSpan(y)) if (p.PackedValue != 0) fg++;
        });
        return (double)fg / (mask.Width * mask.Height);
    }
}
