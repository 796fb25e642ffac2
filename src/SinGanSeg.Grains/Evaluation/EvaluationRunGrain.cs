using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Segmentation;
using SinGanSeg.Grains.Execution;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Placement;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Evaluation;

/// <summary>
/// One segmenter training (UNet++ or U-Net) of an evaluation, on an accelerator silo's <see cref="DeviceExecutor"/>.
/// It keeps nothing durable itself: the coordinator restarts a run that goes silent (a lost silo)
/// and ignores reports of superseded attempts. Inputs given as artifact refs are downloaded once
/// per silo into its scratch folder.
/// </summary>
[AcceleratorPlacementFilter]
[ActivationCountBasedPlacement]
public sealed class EvaluationRunGrain(
    IServiceProvider services,
    IArtifactStore store,
    SinGanSegOptions options,
    ILogger<EvaluationRunGrain> logger) : Grain, IEvaluationRunGrain
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private Task? _run;
    private int _attempt;
    private readonly CancellationTokenSource _stop = new();
    private IGrainTimer? _keepAlive;

    public Task Start(string evaluationId, string runKey, int attempt)
    {
        if (_run is { IsCompleted: false } && _attempt == attempt) return Task.CompletedTask;
        _attempt = attempt;
        // A training outlasts Orleans' idle collection; the timer keeps the activation alive while it runs.
        _keepAlive ??= this.RegisterGrainTimer(() => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { KeepAlive = true });
        _run = RunAsync(evaluationId, runKey, attempt);
        return Task.CompletedTask;
    }

    public async Task Stop()
    {
        _stop.Cancel();
        if (_run is { IsCompleted: false } run)
        {
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                // Still stopping: whatever it writes later lands under a deleted evaluation and is swept by the job's deletion.
            }
        }
        DeactivateOnIdle();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stop.Cancel();
        return Task.CompletedTask;
    }

    private async Task RunAsync(string id, string runKey, int attempt)
    {
        var coordinator = GrainFactory.GetGrain<IEvaluationCoordinatorGrain>(id);
        // A child of the coordinator's Start call; the executor carries it onto its slot thread.
        using var span = SinGanSegActivity.Source.StartActivity(SinGanSegActivity.EvaluationRun);
        span?.SetTag("evaluation.id", id);
        span?.SetTag("evaluation.run", runKey);
        span?.SetTag(SinGanSegActivity.Attempt, attempt);
        try
        {
            var spec = JsonSerializer.Deserialize<EvaluationSpec>(await store.GetBytesAsync(EvaluationKeys.Spec(id))
                ?? throw new InvalidOperationException($"evaluation {id}: spec missing from the artifact store"), Json)!;
            var plan = EvaluationSettingsMapper.Plan(spec);
            var run = plan.SingleOrDefault(r => r.Key == runKey)
                ?? throw new ArgumentException($"evaluation {id} has no run '{runKey}'");
            var training = EvaluationSettingsMapper.Training(spec);
            var executor = services.GetRequiredService<DeviceExecutor>();
            var scratch = Path.Combine(options.ScratchDirectory, "evaluation-inputs", id);
            var result = await executor.Run($"evaluation {id}/{runKey}", (device, ct) =>
            {
                var local = run with
                {
                    Train = Resolve(id, run.Train, scratch, ct),
                    Validation = Resolve(id, run.Validation, scratch, ct),
                    Test = Resolve(id, run.Test, scratch, ct),
                };
                var runner = new EvaluationRunner(training, device, options.Weights.ResNet18)
                {
                    Progress = e => coordinator.ReportProgress(runKey, attempt, e.Epoch, e.Epochs, e.ValidationIou).Ignore(),
                };
                return runner.Run(local, ct);
            }, _stop.Token);
            await store.PutBytesAsync(EvaluationKeys.Result(id, runKey), JsonSerializer.SerializeToUtf8Bytes(result, Json));
            logger.LogInformation("evaluation {Id}: {Run} done, test Dice {Dice:F3}", id, runKey, result.Test.Dice);
            span?.SetTag("evaluation.test_dice", result.Test.Dice);
            await coordinator.RunFinished(runKey, attempt, true, null, false);
        }
        catch (OperationCanceledException e)
        {
            span.Fail(e);
            // Deactivated (silo stopping): the coordinator restarts the run elsewhere when it goes silent.
        }
        catch (Exception e) when (e is InvalidInputException or ArgumentException)
        {
            logger.LogWarning("evaluation {Id}: {Run} failed: {Error}", id, runKey, e.Message);
            span.Fail(e);
            await coordinator.RunFinished(runKey, attempt, false, e.Message, true);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "evaluation {Id}: {Run} failed", id, runKey);
            span.Fail(e);
            await coordinator.RunFinished(runKey, attempt, false, $"{e.GetType().Name}: {e.Message}", false, Common.FailureClassifier.IsInfrastructure(e));
        }
        finally
        {
            _keepAlive?.Dispose();
            _keepAlive = null;
        }
    }

    /// <summary>file:/// refs as local paths; artifact: refs downloaded (once) into the scratch folder.</summary>
    private IReadOnlyList<SegmentationPair> Resolve(string id, IReadOnlyList<SegmentationPair> pairs, string scratch, CancellationToken cancellation) =>
        pairs.Select(p => p with { ImagePath = Local(id, p.ImagePath, scratch, cancellation), MaskPath = Local(id, p.MaskPath, scratch, cancellation) }).ToList();

    private string Local(string id, string reference, string scratch, CancellationToken cancellation)
    {
        if (reference.StartsWith("file://", StringComparison.Ordinal))
        {
            var path = new Uri(reference).LocalPath;
            return File.Exists(path) ? path : throw new InvalidInputException(path, "file not found", "Every silo must be able to read the evaluation's inputs.");
        }
        if (!reference.StartsWith("artifact:", StringComparison.Ordinal))
            throw new InvalidInputException(reference, "unknown input reference", "Use file:///absolute/path or artifact:KEY.");
        var key = reference["artifact:".Length..];
        var target = Path.Combine(scratch, Path.GetFileName(EvaluationKeys.Input(id, reference)) + Path.GetExtension(key));
        if (File.Exists(target)) return target;
        if (!store.GetFileAsync(key, target, cancellation).GetAwaiter().GetResult())
            throw new InvalidInputException(key, "input missing from the artifact store", "Run the evaluation again after the job's dataset exists.");
        return target;
    }
}
