using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// One image's work, synchronous on an executor slot: resolve the inputs and whatever checkpoints
/// exist into a <see cref="StageContext"/>, then run the registered stages in order, each inside
/// its span — train, generate, gates, style, score, publish. The grain only schedules this and
/// reports the outcome the publish stage leaves.
/// </summary>
public sealed class ImagePipeline(IArtifactStore store, SinGanSegOptions options, Device device, ILogger logger)
{
    /// <summary>Called (on the training thread) after a scale's checkpoint is uploaded, with (finished scales, scale count).</summary>
    public Action<int, int>? ScaleCommitted { get; init; }

    /// <summary>Set when the silo drains: training stops once the scale in progress is checkpointed.</summary>
    public CancellationToken StopBetweenScales { get; init; }

    /// <summary>For stages that ask another grain (the mask agreement gate asks for its job's segmenter).</summary>
    public IGrainFactory? Grains { get; init; }

    /// <summary>The stages, in order. A new stage is one line here plus its class; a new gate is one entry in <see cref="GateRegistry"/>.</summary>
    private IReadOnlyList<IImageStage> Stages(GateSettings gates) =>
    [
        new TrainStage(ScaleCommitted, StopBetweenScales),
        new GenerateStage(),
        new GateStage(GateRegistry.Create(gates)),
        new StyleStage(store, options, device, logger),
        new ScoreStage(options, device),
        new PublishStage(),
    ];

    public ImageOutcome Run(ImageWork work, string scratch, ProgressBox box, CancellationToken cancellation)
    {
        using var context = Prepare(work, scratch, box, cancellation);
        // The executor made the grain's image.run span current on this thread; stages hang under it.
        var parent = Activity.Current?.Context ?? default;
        foreach (var stage in Stages(work.Gates))
        {
            cancellation.ThrowIfCancellationRequested();
            if (!stage.Applies(context)) continue;
            using var span = SinGanSegActivity.StartStage(stage.Span, parent, work.JobId, work.Input.Name);
            try
            {
                stage.Run(context, span);
            }
            catch (Exception e)
            {
                span.Fail(e);
                throw;
            }
        }
        return context.Outcome ?? throw new InvalidOperationException("the publish stage did not run");
    }

    /// <summary>Inputs fetched and checked, the model's key and whatever checkpoints the store has.</summary>
    private StageContext Prepare(ImageWork work, string scratch, ProgressBox box, CancellationToken cancellation)
    {
        Directory.CreateDirectory(scratch);
        var name = work.Input.Name;
        var imagePath = Resolve(store, work.Input.ImageRef, Path.Combine(scratch, "input-image"), cancellation);
        var maskPath = Resolve(store, work.Input.MaskRef, Path.Combine(scratch, "input-mask"), cancellation);
        var pair = new ImagePairLoader(options.ImageLimits with { AllowEmptyMask = work.AllowEmptyMask }).LoadPair(imagePath, maskPath);
        var config = TrainingOptionsMapper.ToConfig(work.Training);
        var geometry = PyramidGeometry.Compute(pair.Height, pair.Width, config.MinSize, config.MaxSize, config.ScaleFactor, imagePath);
        var modelKey = ModelKeys.For(pair.ContentHash(), config, work.Seed);
        var modelDir = Path.Combine(scratch, "model");
        // One writer per model key: waits (no attempt spent) while another job's image or a stale
        // activation holds it, and reuses the model when that writer completes it.
        // The claim outlives a deleted job if its model was never known to the job: it names the
        // run only by an opaque id, never the image (a patient's file name).
        var checkout = ModelCheckout.Open(store, options, modelKey, $"run-{Guid.NewGuid():N}", modelDir,
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
        return new StageContext(work, scratch, box, store, options, device, logger, cancellation)
        {
            ImagePath = imagePath,
            MaskPath = maskPath,
            Pair = pair,
            Config = config,
            Geometry = geometry,
            ModelKey = modelKey,
            Folder = folder,
            FromCache = fromCache,
            Checkout = checkout,
            Grains = Grains,
        };
    }

    /// <summary>An input reference as a local path; a missing input is the user's error, not a transient one.</summary>
    internal static string Resolve(IArtifactStore store, string reference, string downloadBase, CancellationToken cancellation)
    {
        var input = InputRef.TryParse(reference)
            ?? throw new InvalidInputException(reference, "unknown input reference", "Use file:///absolute/path or artifact:KEY.");
        if (input.Kind == InputRefKind.File)
        {
            var path = input.LocalPath;
            return File.Exists(path) ? path : throw new InvalidInputException(path, "file not found", "Check the dataset path; every silo must be able to read it.");
        }
        var key = input.ArtifactKey;
        var local = downloadBase + Path.GetExtension(key);
        if (!store.GetFileAsync(key, local, cancellation).GetAwaiter().GetResult())
            throw new InvalidInputException(key, "uploaded input missing from the artifact store", "Submit the job again with its files.");
        return local;
    }
}
