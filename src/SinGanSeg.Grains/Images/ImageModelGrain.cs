using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Grains.Execution;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// One training image of one job. The work runs on the silo's <see cref="DeviceExecutor"/>;
/// a reminder (Orleans' long-running-work pattern) keeps the grain coming back until it is done,
/// so when its silo dies the next tick activates it elsewhere, on an accelerator silo, where it
/// fetches the last checkpoint from the artifact store and carries on from that scale.
/// </summary>
[Immovable]
[AcceleratorPlacementFilter]
[ActivationCountBasedPlacement] // among the accelerator silos, the one with the fewest images: spreads a job's training
public sealed class ImageModelGrain(
    [PersistentState("image", StorageNames.Grains)] IPersistentState<ImageGrainState> state,
    IServiceProvider services,
    IArtifactStore store,
    SinGanSegOptions options,
    ILogger<ImageModelGrain> logger) : Grain, IImageModelGrain, IRemindable
{
    private const string KeepAlive = "keep-alive";
    private Task? _run;
    private CancellationTokenSource? _cancel;
    private ProgressBox? _box;
    private IGrainTimer? _reporter;
    private ImageProgress? _lastReported;
    private string? _stalled;

    private string Name => state.State.Work?.Input.Name ?? this.GetPrimaryKeyString();
    private bool Running => _run is { IsCompleted: false };

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Back after a restart or a lost silo with work in hand: continue at once rather than at the next reminder tick.
        if (state.State.Work is not null && !IsTerminal(state.State.Phase))
        {
            Log(ImageEventKinds.Resumed, state.State.Phase, $"continuing after {state.State.CompletedScales} stored scales");
            // On record now, not at the next scale: an image stopped again before then would
            // otherwise show no sign of this activation in its log. Only for an image that had
            // started: a restart of a 1000-image job, or its cancellation or deletion (which
            // activate every image), writes nothing more for the images still waiting.
            if (state.State.CompletedScales > 0 || state.State.Phase != ImagePhase.Queued)
            {
                try
                {
                    await state.WriteStateAsync(cancellationToken);
                }
                catch (Exception e) when (e is not (OperationCanceledException or Orleans.Storage.InconsistentStateException))
                {
                    // Storage down for now: the work goes on (it needs no write to start); a conflict
                    // (another activation wrote) fails the activation instead, so the next call reads afresh.
                    logger.LogWarning(e, "{Image}: the resumed event could not be stored now; it is stored with the next state write", Name);
                }
            }
            EnsureRunning();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _cancel?.Cancel();
        // Wait (bounded) for the cancelled run to stop, so this activation writes nothing after the
        // next one starts; a run stuck past the bound is fenced by its model claim instead.
        if (_run is { IsCompleted: false } run)
        {
            try
            {
                await run.WaitAsync(options.DeactivationWait, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("{Image}: run still stopping after {Wait}; its model claim fences it", Name, options.DeactivationWait);
            }
        }
    }

    public async Task Start(ImageWork work)
    {
        if (state.State.Cancelled)
        {
            // A start that was in flight when the job was cancelled.
            logger.LogInformation("{Image}: start of attempt {Attempt} refused: the job cancelled this image", work.Input.Name, work.Attempt);
            return;
        }
        var current = state.State.Work;
        if (current is not null && current.Attempt == work.Attempt && current.JobId == work.JobId)
        {
            // Called again by the job (a reconcile after a restart): continue, or hand the outcome
            // over once more — from a timer, because the job is waiting on this very call.
            if (!IsTerminal(state.State.Phase)) EnsureRunning();
            else if (!state.State.OutcomeDelivered)
                this.RegisterGrainTimer(_ => DeliverOutcome(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
            return;
        }
        var previousError = state.State.Error;
        state.State.Work = work;
        state.State.Phase = ImagePhase.Queued;
        if (work.Attempt > 1) Log(ImageEventKinds.Retry, ImagePhase.Queued, previousError is null ? $"attempt {work.Attempt}" : $"attempt {work.Attempt} after: {previousError}");
        else Log(ImageEventKinds.Queued, ImagePhase.Queued, null);
        state.State.Error = null;
        state.State.Outcome = null;
        state.State.OutcomeDelivered = false;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(KeepAlive, options.ImageKeepAlive, options.ImageKeepAlive);
        EnsureRunning();
    }

    public async Task Cancel()
    {
        _cancel?.Cancel();
        if (!state.State.Cancelled || (state.State.Work is not null && !IsTerminal(state.State.Phase)))
        {
            // Recorded even with no work yet: the job's Start may still be on its way.
            state.State.Cancelled = true;
            if (state.State.Work is not null && !IsTerminal(state.State.Phase)) state.State.Phase = ImagePhase.Cancelled;
            state.State.UpdatedAt = DateTimeOffset.UtcNow;
            Log(ImageEventKinds.Cancelled, ImagePhase.Cancelled, null);
            await state.WriteStateAsync();
        }
        await StopReminder();
    }

    public async Task<string?> Forget()
    {
        _cancel?.Cancel();
        _reporter?.Dispose();
        _reporter = null;
        // The run must not write its outcome (or a log entry) after the state is cleared.
        if (_run is { IsCompleted: false } run)
        {
            try
            {
                await run.WaitAsync(options.DeactivationWait);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("{Image}: run still stopping after {Wait} while its job is deleted", Name, options.DeactivationWait);
            }
        }
        var model = state.State.ModelKey ?? _box?.Current.ModelKey;
        await StopReminder();
        await state.ClearStateAsync();
        state.State = new ImageGrainState();
        DeactivateOnIdle();
        return model;
    }

    public Task<ImageProgress> GetProgress() => Task.FromResult(Snapshot());

    public Task<IReadOnlyList<ImageEvent>> GetEvents() => Task.FromResult<IReadOnlyList<ImageEvent>>(state.State.Events);

    /// <summary>Appends to the log; the next state write persists it. The oldest entries go past <see cref="MaxEvents"/>.</summary>
    private void Log(string kind, ImagePhase phase, string? message)
    {
        var entry = new ImageEvent(DateTimeOffset.UtcNow, kind, phase, state.State.Work?.Attempt ?? 0, message, RuntimeIdentity);
        var events = state.State.Events;
        state.State.Events = events.Length >= MaxEvents ? [.. events.Skip(events.Length - MaxEvents + 1), entry] : [.. events, entry];
    }

    private const int MaxEvents = 500;

    public async Task ScaleCommitted(int completedScales, int scaleCount)
    {
        if (state.State.Work is null || completedScales <= state.State.CompletedScales) return;
        state.State.CompletedScales = completedScales;
        state.State.ScaleCount = scaleCount;
        // Known from the first stored scale on, so deleting the job finds the model even if this attempt never ends.
        state.State.ModelKey ??= _box?.Current.ModelKey;
        state.State.Phase = ImagePhase.Training;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        Log(ImageEventKinds.Scale, ImagePhase.Training, $"scale {completedScales}/{scaleCount} stored");
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IJobCoordinatorGrain>(state.State.Work.JobId).ScaleCommitted(Name, completedScales, scaleCount);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Work is null || IsTerminal(state.State.Phase))
            return state.State.OutcomeDelivered || state.State.Work is null ? StopReminder() : DeliverOutcome();
        EnsureRunning();
        return Task.CompletedTask;
    }

    private void EnsureRunning()
    {
        if (Running || state.State.Work is null) return;
        _cancel?.Dispose();
        _cancel = new CancellationTokenSource();
        _stalled = null;
        _box = new ProgressBox(Snapshot() with { Phase = ImagePhase.Queued });
        _reporter?.Dispose();
        _reporter = this.RegisterGrainTimer(ReportProgress, new GrainTimerCreationOptions(options.ProgressInterval, options.ProgressInterval) { Interleave = true, KeepAlive = true });
        _run = RunAsync(state.State.Work, _box, _cancel.Token);
    }

    private async Task RunAsync(ImageWork work, ProgressBox box, CancellationToken cancellation)
    {
        var scratch = Path.Combine(options.ScratchDirectory, $"{Sanitize(work.JobId)}-{Sanitize(work.Input.Name)}-{Guid.NewGuid():N}");
        using var run = StartRunSpan(work);
        ImageOutcome outcome;
        try
        {
            var executor = services.GetRequiredService<DeviceExecutor>();
            var self = GrainFactory.GetGrain<IImageModelGrain>(this.GetPrimaryKeyString());
            var drain = services.GetRequiredService<ShutdownDrain>().Draining;
            var grains = GrainFactory;   // taken here: the pipeline runs on a slot thread, outside the activation
            outcome = await executor.Run($"{work.JobId}/{work.Input.Name}", (device, ct) => new ImagePipeline(store, options, device, logger)
            {
                // Blocks the training thread until the finished scale is on record: a silo lost
                // right after never makes the job report fewer scales than are stored.
                ScaleCommitted = (done, total) => self.ScaleCommitted(done, total).GetAwaiter().GetResult(),
                StopBetweenScales = drain,
                Grains = grains,
            }.Run(work, scratch, box, ct), cancellation,
                // Stored scales first: a resumed image waits for no fresh one (see DeviceExecutor).
                priority: state.State.CompletedScales);
        }
        catch (OperationCanceledException e) when (_stalled is { } reason && ReferenceEquals(box, _box))
        {
            // Stopped by the stall watch (or given up by the executor): a failed attempt, so the
            // job retries it with backoff and, past its attempts, reports it instead of waiting for ever.
            run.Fail(e);
            outcome = new ImageOutcome(work.Input.Name, false, [], reason, Permanent: false, work.Attempt, box.Current.ModelKey, false);
        }
        catch (OperationCanceledException e)
        {
            run.Fail(e);
            // Cancelled by the job, or the activation/silo is going away: the reminder brings it back if there is work left.
            return;
        }
        catch (Exception e) when (e is InvalidInputException or ArgumentException)
        {
            logger.LogWarning("{Image}: rejected: {Reason}", work.Input.Name, e.Message);
            outcome = new ImageOutcome(work.Input.Name, false, [], e.Message, Permanent: true, work.Attempt, box.Current.ModelKey, false);
        }
        catch (Exception e)
        {
            // Storage, network or a timeout says nothing about the image: the job retries it without using up its attempts.
            var infrastructure = Common.FailureClassifier.IsInfrastructure(e);
            logger.LogError(e, "{Image}: attempt {Attempt} failed{Kind}", work.Input.Name, work.Attempt, infrastructure ? " (infrastructure)" : "");
            outcome = new ImageOutcome(work.Input.Name, false, [], $"{e.GetType().Name}: {e.Message}", Permanent: false, work.Attempt, box.Current.ModelKey, false, infrastructure);
        }
        finally
        {
            TryDelete(scratch);
        }
        run?.SetTag("image.outcome", outcome.Succeeded ? "done" : outcome.Permanent ? "rejected" : "failed");
        run?.SetTag("model.cached", outcome.FromCache);
        if (!outcome.Succeeded) run?.SetStatus(ActivityStatusCode.Error, outcome.Error);
        // Stopped before the outcome is logged: the reporter interleaves at awaits and would log a
        // stage after "done" (the log must end with the outcome).
        _reporter?.Dispose();
        _reporter = null;
        var latest = box.Current;
        state.State.Phase = outcome.Succeeded ? ImagePhase.Done : ImagePhase.Failed;
        state.State.Error = outcome.Error;
        state.State.Outcome = outcome;
        state.State.OutcomeDelivered = false;
        state.State.CompletedScales = Math.Max(state.State.CompletedScales, latest.CompletedScales);
        state.State.ScaleCount = latest.ScaleCount;
        state.State.ModelKey = outcome.ModelKey ?? state.State.ModelKey;
        state.State.Samples = outcome.Samples.Count;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        if (outcome.Succeeded)
            Log(ImageEventKinds.Done, ImagePhase.Done, $"{outcome.Samples.Count} samples" + (outcome.FromCache ? ", model from cache" : ""));
        else
            Log(ImageEventKinds.Failed, ImagePhase.Failed, (outcome.Permanent ? "bad input, not retried: " : "") + outcome.Error);
        await state.WriteStateAsync();
        await DeliverOutcome();
    }

    /// <summary>
    /// The image's span: a child of the job's dispatch when the job started it (the grain call
    /// carries the trace), otherwise a new trace (a reminder after a restart) that links to the
    /// job's submit span and carries job.id.
    /// </summary>
    private Activity? StartRunSpan(ImageWork work)
    {
        var submit = SinGanSegActivity.ParseTraceParent(work.TraceParent);
        var current = Activity.Current?.Context ?? default;
        ActivityLink[]? links = submit != default && submit.TraceId != current.TraceId ? [new ActivityLink(submit)] : null;
        var run = SinGanSegActivity.Source.StartActivity(SinGanSegActivity.ImageRun, ActivityKind.Internal, current, links: links);
        run?.SetTag(SinGanSegActivity.JobId, work.JobId);
        run?.SetTag(SinGanSegActivity.ImageName, work.Input.Name);
        run?.SetTag(SinGanSegActivity.Attempt, work.Attempt);
        run?.SetTag(SinGanSegActivity.Silo, RuntimeIdentity);
        return run;
    }

    /// <summary>Hands the outcome to the job; until that succeeds the reminder keeps trying.</summary>
    private async Task DeliverOutcome()
    {
        var outcome = state.State.Outcome;
        if (outcome is null || state.State.Work is null) return;
        try
        {
            await GrainFactory.GetGrain<IJobCoordinatorGrain>(state.State.Work.JobId).ImageFinished(outcome);
            state.State.OutcomeDelivered = true;
            await state.WriteStateAsync();
            await StopReminder();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Image}: could not report its outcome yet; will retry", Name);
        }
    }

    private async Task ReportProgress(CancellationToken cancellation)
    {
        if (_box is null || state.State.Work is null || IsTerminal(state.State.Phase)) return;
        var current = _box.Current;
        if (Running && _stalled is null && IsStalled(current))
        {
            _stalled = $"stalled: no progress for {options.StallTimeout} while {current.Phase.ToString().ToLowerInvariant()}; the run was stopped";
            logger.LogError("{Image}: attempt {Attempt} {Reason}", Name, state.State.Work.Attempt, _stalled);
            Log(ImageEventKinds.Stalled, current.Phase, _stalled);
            _cancel?.Cancel();
            return;
        }
        // Only changes travel: a thousand images waiting for a slot would otherwise report "queued" forever.
        if (ReferenceEquals(current, _lastReported)) return;
        // A stage change (training, generating, styling, scoring) is logged here and stored with the next write.
        if (current.Phase != (_lastReported?.Phase ?? ImagePhase.Queued) && current.Phase is not (ImagePhase.Queued or ImagePhase.Pending))
            Log(ImageEventKinds.Stage, current.Phase, null);
        _lastReported = current;
        var progress = current with { Silo = RuntimeIdentity, Attempts = state.State.Work.Attempt };
        // The job's answer carries a cancel this grain may have missed (it was not active, or the call failed).
        if (!await GrainFactory.GetGrain<IJobCoordinatorGrain>(state.State.Work.JobId).ReportProgress(progress)) await Cancel();
    }

    /// <summary>
    /// Working (not waiting for a slot or a model claim) and silent past the stall timeout. Every
    /// stage reports at least once per iteration, sample or step, so silence means a blocked run.
    /// </summary>
    private bool IsStalled(ImageProgress current) =>
        options.StallTimeout > TimeSpan.Zero
        && current.Phase is not (ImagePhase.Pending or ImagePhase.Queued)
        && current.UpdatedAt is { } updated && DateTimeOffset.UtcNow - updated > options.StallTimeout;

    private ImageProgress Snapshot()
    {
        var s = state.State;
        if (_box is not null && Running) return _box.Current with { Silo = RuntimeIdentity, Attempts = s.Work?.Attempt ?? 0 };
        return new ImageProgress(Name, s.Phase, s.CompletedScales, s.ScaleCount, Error: s.Error, Attempts: s.Work?.Attempt ?? 0,
            ModelKey: s.ModelKey, Samples: s.Samples, Silo: RuntimeIdentity, FromCache: s.Outcome?.FromCache ?? false, UpdatedAt: s.UpdatedAt);
    }

    private async Task StopReminder()
    {
        var reminder = await this.GetReminder(KeepAlive);
        if (reminder is not null) await this.UnregisterReminder(reminder);
    }

    private static bool IsTerminal(ImagePhase phase) => phase is ImagePhase.Done or ImagePhase.Failed or ImagePhase.Cancelled;

    private static string Sanitize(string s) => string.Concat(s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
