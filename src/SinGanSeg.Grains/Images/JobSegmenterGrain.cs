using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Segmentation;
using SinGanSeg.Grains.Execution;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Placement;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// The mask agreement gate's segmenter of one job (key: job id). On the first ask it reads the
/// job's spec, takes up to <see cref="MaskAgreementConfig.MaxRealPairs"/> of its real pairs (by
/// name, evenly spread), and — on a dedicated thread, not an executor slot, because the images
/// asking for it hold their slots while they wait — fetches them, derives the artifact key from
/// their content hashes and the settings (<see cref="ModelKeys.Segmenter"/>), and returns the
/// stored segmenter under that key if there is one (a restarted silo, a second activation), else
/// trains it with Core's <see cref="MaskAgreement"/> and stores it there. No grain state: the
/// artifact is what survives, and it goes with the job's other artifacts when the job is deleted.
/// </summary>
[AcceleratorPlacementFilter]
public sealed class JobSegmenterGrain(
    IServiceProvider services,
    IArtifactStore store,
    SinGanSegOptions options,
    ILogger<JobSegmenterGrain> logger) : Grain, IJobSegmenterGrain
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// How long <see cref="Stop"/> waits for a training to notice. It checks at every gradient step
    /// (well under a second), and the coordinator's call must end inside Orleans' 30 s response
    /// timeout with the rest of its cancel.
    /// </summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private static int _running;
    private readonly CancellationTokenSource _stop = new();
    private Task<string>? _training;

    /// <summary>
    /// Stopped for a cancelled job: asks still on their way from its images (they poll until their
    /// own cancel reaches them) are refused instead of starting a training again. Kept by this
    /// activation, which is why <see cref="Stop"/> does not deactivate it; <see cref="Forget"/> does.
    /// </summary>
    private bool _stopped;

    /// <summary>Segmenter trainings running in this process now (they run beside the executor's slots, so its gauges do not show them).</summary>
    public static int Running => Volatile.Read(ref _running);

    public async Task<string?> Segmenter()
    {
        if (_stopped) throw new OperationCanceledException($"job {this.GetPrimaryKeyString()} was cancelled: its mask agreement segmenter is stopped");
        if (_training is null)
        {
            var jobId = this.GetPrimaryKeyString();
            var bytes = await store.GetBytesAsync(ModelKeys.Spec(jobId))
                ?? throw new InvalidOperationException($"job {jobId}: its spec is missing from the artifact store");
            var spec = JsonSerializer.Deserialize<JobSpec>(bytes, Json)!;
            // Torch loads with the executor; the segmenter trains on the silo's first device.
            var device = services.GetRequiredService<DeviceExecutor>().Device;
            _training = DedicatedThread.Run($"segmenter-{jobId}", () => Train(spec, device, _stop.Token));
        }
        if (!_training.IsCompleted) return null;
        if (_training.IsCompletedSuccessfully) return _training.Result;
        var failed = _training;
        _training = null;   // the next ask trains again
        return await failed;
    }

    public async Task Stop()
    {
        _stopped = true;
        _stop.Cancel();
        if (_training is { IsCompleted: false } training)
        {
            try
            {
                await training.WaitAsync(StopGrace);
            }
            catch (TimeoutException)
            {
                logger.LogWarning("job {Job}: segmenter training still running {Grace} after it was told to stop", this.GetPrimaryKeyString(), StopGrace);
            }
            catch (Exception)
            {
                // Cancelled, as asked, or failed: either way it has ended.
            }
            logger.LogInformation("job {Job}: segmenter training stopped", this.GetPrimaryKeyString());
        }
    }

    public Task Forget()
    {
        _stop.Cancel();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stop.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Synchronous, on the dedicated thread: the pairs fetched and hashed, then the stored segmenter or a new one.</summary>
    private string Train(JobSpec spec, TorchSharp.torch.Device device, CancellationToken cancellation)
    {
        var config = options.MaskAgreement;
        var scratch = Path.Combine(options.ScratchDirectory, $"segmenter-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var loader = new ImagePairLoader(options.ImageLimits with { AllowEmptyMask = spec.AllowEmptyMasks });
            var inputs = MaskAgreement.Pick([.. spec.Images.OrderBy(i => i.Name, StringComparer.Ordinal)], config.MaxRealPairs);
            var pairs = new List<SegmentationPair>();
            var hashes = new List<string>();
            for (var i = 0; i < inputs.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var input = inputs[i];
                try
                {
                    var image = ImagePipeline.Resolve(store, input.ImageRef, Path.Combine(scratch, $"{i}-image"), cancellation);
                    var mask = ImagePipeline.Resolve(store, input.MaskRef, Path.Combine(scratch, $"{i}-mask"), cancellation);
                    hashes.Add(loader.LoadPair(image, mask).ContentHash());
                    pairs.Add(new SegmentationPair(input.Name, image, mask));
                }
                catch (InvalidInputException e)
                {
                    // That image fails on its own; the segmenter learns from the others.
                    logger.LogWarning("job {Job}: segmenter leaves out {Image}: {Reason}", spec.JobId, input.Name, e.Message);
                }
            }
            if (pairs.Count == 0)
                throw new InvalidInputException(spec.JobId, "has no readable real image+mask pair to train the mask agreement segmenter on", "Check the job's inputs, or turn the maskAgreement gate off.");
            var key = ModelKeys.Segmenter(spec.JobId, hashes, config.Fingerprint());
            if (store.ExistsAsync(key, cancellation).GetAwaiter().GetResult())
            {
                logger.LogInformation("job {Job}: mask agreement segmenter {Key} already stored", spec.JobId, key);
                return key;
            }
            var started = DateTimeOffset.UtcNow;
            var file = Path.Combine(scratch, "segmenter.bin");
            Interlocked.Increment(ref _running);
            try
            {
                using var segmenter = MaskAgreement.Train(pairs, config, device, cancellation);
                segmenter.Save(file);
                logger.LogInformation("job {Job}: mask agreement segmenter trained on {Pairs} real pairs in {Seconds:F0} s (Dice on them {Dice:F3})",
                    spec.JobId, pairs.Count, (DateTimeOffset.UtcNow - started).TotalSeconds, segmenter.RealDice);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
            // A job deleted while its segmenter trained: leave nothing behind under its prefix.
            if (!store.ExistsAsync(ModelKeys.Spec(spec.JobId), cancellation).GetAwaiter().GetResult())
                throw new OperationCanceledException($"job {spec.JobId} was deleted while its segmenter trained");
            store.PutFileAsync(key, file, cancellation).GetAwaiter().GetResult();
            return key;
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
