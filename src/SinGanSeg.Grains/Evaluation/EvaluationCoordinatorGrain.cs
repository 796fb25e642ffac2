using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Serialization;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Evaluation;

/// <summary>
/// One evaluation (key: its id): stores the spec, plans the (fold, training set) runs, and — on
/// a reconcile pass run at once, by a reminder and by retry timers — starts every run that is
/// due (never started, retry due, or silent too long) as an <see cref="EvaluationRunGrain"/> on
/// an accelerator silo. Results are persisted as they arrive; the report is written when all
/// runs have ended. The job coordinator's skeleton: the same <see cref="WorkTracker{TRecord}"/>
/// and <see cref="DurableState{T}"/>, so it survives the same failures. It keeps its listing in
/// the evaluation list (<see cref="IEvaluationRegistryGrain"/>) up to date on every phase change.
/// </summary>
[Reentrant]
public sealed class EvaluationCoordinatorGrain(
    [PersistentState("evaluation", StorageNames.Grains)] IPersistentState<EvaluationState> state,
    DeepCopier<EvaluationState> copier,
    IArtifactStore store,
    SinGanSegOptions options,
    ILogger<EvaluationCoordinatorGrain> logger) : Grain, IEvaluationCoordinatorGrain, IRemindable
{
    private const string ReconcileReminder = "reconcile";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, EvaluationRunStatus> _live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private readonly DurableState<EvaluationState> _state = new(state, copier);
    private WorkTracker<EvaluationRunRecord>? _tracker;
    private bool _deleting;

    private string Id => this.GetPrimaryKeyString();
    private EvaluationState S => state.State;
    private WorkTracker<EvaluationRunRecord> Tracker => _tracker ??= new(WorkPolicy.From(options, Math.Max(1, S.MaxAttempts)));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !S.IsFinished)
        {
            WorkTracker<EvaluationRunRecord>.Resumed(S.Runs.Values);
            ScheduleReconcile(TimeSpan.Zero);
        }
        return Task.CompletedTask;
    }

    public async Task<EvaluationStatus> Submit(EvaluationSpec spec)
    {
        if (spec.EvaluationId != Id) throw new ArgumentException($"evaluation id '{spec.EvaluationId}' does not match the grain '{Id}'");
        if (state.RecordExists)
        {
            if (S.Fingerprint != spec.Fingerprint())
                throw new Jobs.JobConflictException($"evaluation '{Id}' already exists with different inputs or settings; choose another id");
            // The first submit may have stopped after storing the evaluation: finish what it started.
            await TryEnsureListed();
            if (!S.IsFinished) ScheduleReconcile(TimeSpan.Zero);
            return Status();
        }
        EvaluationSettingsMapper.Validate(spec);
        var runs = EvaluationSettingsMapper.Plan(spec);
        await store.PutBytesAsync(EvaluationKeys.Spec(Id), JsonSerializer.SerializeToUtf8Bytes(spec, Json));
        var fingerprint = spec.Fingerprint();
        var now = DateTimeOffset.UtcNow;
        await _state.Apply(s =>
        {
            if (s.Fingerprint == fingerprint) return false;
            s.Fingerprint = fingerprint;
            s.Phase = EvaluationPhase.Accepted;
            s.CreatedAt = now;
            s.MaxAttempts = spec.MaxAttempts;
            s.JobId = spec.JobId;
            s.Runs = runs.ToDictionary(r => r.Key, _ => new EvaluationRunRecord(), StringComparer.Ordinal);
            return true;
        });
        _tracker = null;
        await this.RegisterOrUpdateReminder(ReconcileReminder, options.JobReconcile, options.JobReconcile);
        await TryEnsureListed();
        logger.LogInformation("evaluation {Id}: accepted, {Runs} runs", Id, runs.Count);
        ScheduleReconcile(TimeSpan.Zero);
        return Status();
    }

    public Task<EvaluationStatus> GetStatus() => state.RecordExists
        ? Task.FromResult(Status())
        : throw new KeyNotFoundException($"evaluation '{Id}' does not exist");

    public async Task<EvaluationStatus> Cancel()
    {
        if (!state.RecordExists) throw new KeyNotFoundException($"evaluation '{Id}' does not exist");
        // Held like a deletion holds it: a reconcile pass in flight could otherwise start a run after the runs are stopped.
        await _reconciling.WaitAsync();
        try
        {
            // With every run ended the report is being written (or about to be): nothing is left to stop.
            if (S.IsFinished || _deleting || WorkTracker<EvaluationRunRecord>.AllTerminal(S.Runs.Values)) return Status();
            var running = S.Runs.Where(kv => kv.Value.Phase == EvaluationRunPhase.Running).Select(kv => kv.Key).ToList();
            var now = DateTimeOffset.UtcNow;
            await _state.Apply(s =>
            {
                if (s.IsFinished) return false;
                foreach (var run in s.Runs.Values) WorkTracker<EvaluationRunRecord>.Cancel(run);
                s.Phase = EvaluationPhase.Cancelled;
                s.FinishedAt = now;
                return true;
            });
            _live.Clear();
            await Task.WhenAll(running.Select(StopRun));
            await TryStopReminder();
            // The job's dataset card says "running" until it hears the evaluation ended.
            if (S.JobId is { } job) await TellJob(job, Status());
            await TryEnsureListed();
            logger.LogInformation("evaluation {Id}: cancelled, {Count} runs stopped", Id, running.Count);
            return Status();
        }
        finally
        {
            _reconciling.Release();
        }
    }

    public Task ReportProgress(string runKey, int attempt, int epoch, int epochs, double validationIou)
    {
        if (state.RecordExists && S.Runs.TryGetValue(runKey, out var r) && !r.IsTerminal && r.Attempts == attempt)
        {
            // In memory only, like the job's progress.
            r.LastHeard = DateTimeOffset.UtcNow;
            _live[runKey] = new EvaluationRunStatus(runKey, EvaluationRunPhase.Running, epoch, epochs, validationIou, Attempts: attempt);
        }
        return Task.CompletedTask;
    }

    public async Task RunFinished(string runKey, int attempt, bool succeeded, string? error, bool permanent, bool infrastructure = false)
    {
        if (_deleting || !state.RecordExists || !S.Runs.TryGetValue(runKey, out var known)) return;
        if (!WorkTracker<EvaluationRunRecord>.Accepts(known, attempt))
        {
            await TryFinish();
            return;
        }
        EvaluationResult? result = null;
        if (succeeded)
        {
            // Read before recording: a read that fails throws back to the run, which reports again.
            var bytes = await store.GetBytesAsync(EvaluationKeys.Result(Id, runKey));
            result = bytes is null ? null : JsonSerializer.Deserialize<EvaluationResult>(bytes, Json);
            if (result is null) (succeeded, error, permanent) = (false, "the run's result is missing from the artifact store", false);
        }
        var kind = permanent ? FailureKind.Permanent : infrastructure ? FailureKind.Infrastructure : FailureKind.Transient;
        var now = DateTimeOffset.UtcNow;
        FailureDecision decision = default;
        var recorded = await _state.Apply(s =>
        {
            var r = s.Runs[runKey];
            if (!WorkTracker<EvaluationRunRecord>.Accepts(r, attempt)) return false;
            if (succeeded)
            {
                WorkTracker<EvaluationRunRecord>.Succeeded(r);
                (r.TestDice, r.TestIou, r.ValidationIou) = (result!.Test.Dice, result.Test.Iou, result.BestValidationIou);
            }
            else
            {
                decision = Tracker.Failed(r, error, kind, now);
            }
            return true;
        });
        if (recorded)
        {
            _live.Remove(runKey);
            if (succeeded) { }
            else if (decision.Retrying)
            {
                logger.LogWarning("evaluation {Id}: run {Run} failed ({Kind}: {Error}); attempt {Attempt} in {Delay}", Id, runKey, kind, error, S.Runs[runKey].Attempts, decision.Delay);
                ScheduleReconcile(decision.Delay);
            }
            else
            {
                logger.LogWarning("evaluation {Id}: run {Run} failed for good: {Error}", Id, runKey, error);
            }
        }
        // The result is on record: writing the report is the evaluation's to retry, never the run's.
        await TryFinish();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        state.RecordExists && !S.IsFinished && !_deleting ? Reconcile() : this.StopReminder(ReconcileReminder);

    public async Task Delete()
    {
        // Set before waiting: a reconcile pass or a late run report must not start anything again.
        _deleting = true;
        await _reconciling.WaitAsync();
        try
        {
            if (state.RecordExists)
            {
                await Task.WhenAll(S.Runs.Keys.Select(StopRun));
                await this.StopReminder(ReconcileReminder);
            }
            // Artifacts before state: a deletion cut short between the two is resumed from the state.
            foreach (var key in await store.ListAllAsync(EvaluationKeys.Prefix(Id))) await store.DeleteAsync(key);
            // Off the page it knows it is on; the registry walks every page only when that fails.
            if (S.ListedPage is not { } listedPage || !await GrainFactory.GetGrain<IEvaluationRegistryPageGrain>(listedPage).Remove(Id))
                await GrainFactory.GetGrain<IEvaluationRegistryGrain>(0).Unregister(Id);
            if (state.RecordExists)
            {
                await state.ClearStateAsync();
                state.State = new EvaluationState();
            }
            _live.Clear();
            _tracker = null;
            logger.LogInformation("evaluation {Id}: deleted with its job", Id);
        }
        finally
        {
            _reconciling.Release();
        }
        DeactivateOnIdle();
    }

    /// <summary>Stops a run's grain; its silo may be gone, which stops it too (anything it still writes is swept by a deletion).</summary>
    private async Task StopRun(string key)
    {
        try
        {
            await GrainFactory.GetGrain<IEvaluationRunGrain>(EvaluationKeys.RunGrain(Id, key)).Stop();
        }
        catch (Exception e)
        {
            logger.LogWarning("evaluation {Id}: could not stop run {Run} ({Error})", Id, key, e.Message);
        }
    }

    private async Task TryStopReminder()
    {
        try
        {
            await this.StopReminder(ReconcileReminder);
        }
        catch (Exception e)
        {
            // The next tick of a finished evaluation stops it.
            logger.LogWarning("evaluation {Id}: could not stop its reminder yet: {Error}", Id, e.Message);
        }
    }

    /// <summary>
    /// Puts the evaluation in the evaluation list, and brings its listing's phase up to date after
    /// a phase change; retried by resubmission, reconcile passes, finishing and cancelling until it sticks.
    /// </summary>
    private async Task EnsureListed()
    {
        var phase = S.Phase;
        if (S.ListedPage is not null && S.ListedPhase == phase) return;
        var listing = new EvaluationListing(Id, S.CreatedAt, S.JobId, phase);
        var page = S.ListedPage is { } known && await GrainFactory.GetGrain<IEvaluationRegistryPageGrain>(known).Update(listing)
            ? known
            : await GrainFactory.GetGrain<IEvaluationRegistryGrain>(0).Register(listing);
        await _state.Apply(s =>
        {
            if (s.ListedPage == page && s.ListedPhase == phase) return false;
            (s.ListedPage, s.ListedPhase) = (page, phase);
            return true;
        });
    }

    /// <summary>Listing is not worth failing a submit or a pass over: the next pass tries again.</summary>
    private async Task TryEnsureListed()
    {
        if (_deleting || !state.RecordExists) return;
        try
        {
            await EnsureListed();
        }
        catch (Exception e)
        {
            logger.LogWarning("evaluation {Id}: not listed yet ({Error}); the next reconcile pass tries again", Id, e.Message);
        }
    }

    private void ScheduleReconcile(TimeSpan due) =>
        this.RegisterGrainTimer(_ => Reconcile(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true });

    /// <summary>Writes the report if every run has ended; never throws (a failure is retried by the next pass).</summary>
    private async Task TryFinish()
    {
        try
        {
            await Tracker.FinishIfDue(S.IsFinished, S.Runs.Values, Finish);
        }
        catch (Exception e)
        {
            logger.LogWarning("evaluation {Id}: writing the report failed ({Error}); trying again in {Delay}", Id, e.Message, options.RetryBaseDelay);
            ScheduleReconcile(options.RetryBaseDelay);
        }
    }

    private async Task Reconcile()
    {
        if (_deleting || !await _reconciling.WaitAsync(0)) return;
        try
        {
            if (!state.RecordExists || S.IsFinished || _deleting) return;
            await TryFinish();
            if (S.IsFinished) return;
            await TryEnsureListed();
            var due = Tracker.Due(S.Runs, DateTimeOffset.UtcNow);
            if (due.Count == 0) return;
            var started = await Tracker.StartAll(due, async (key, attempt) =>
            {
                if (S.IsFinished || S.Runs[key].Attempts != attempt || S.Runs[key].IsTerminal) return false;
                await GrainFactory.GetGrain<IEvaluationRunGrain>(EvaluationKeys.RunGrain(Id, key)).Start(Id, key, attempt);
                return true;
            }, (key, e) => logger.LogWarning("evaluation {Id}: could not start {Run}: {Error}", Id, key, e.Message));
            var at = DateTimeOffset.UtcNow;
            await _state.Apply(s =>
            {
                var marked = started.Count(d => WorkTracker<EvaluationRunRecord>.MarkStarted(s.Runs[d.Key], d.Attempt, at));
                if (s.Phase == EvaluationPhase.Accepted && marked > 0) s.Phase = EvaluationPhase.Running;
                return marked > 0;
            });
            await TryEnsureListed();
        }
        catch (Exception e)
        {
            logger.LogWarning("evaluation {Id}: reconcile pass failed: {Error}", Id, e.Message);
        }
        finally
        {
            _reconciling.Release();
        }
    }

    /// <summary>Gathers the stored results into report.json, report.md and the charts, stores them, then marks the evaluation finished; safe to repeat.</summary>
    private async Task Finish()
    {
        var results = new List<EvaluationResult>();
        foreach (var key in S.Runs.Where(kv => kv.Value.Phase == EvaluationRunPhase.Done).Select(kv => kv.Key).Order(StringComparer.Ordinal))
        {
            var bytes = await store.GetBytesAsync(EvaluationKeys.Result(Id, key))
                ?? throw new InvalidOperationException($"evaluation {Id}: result of {key} missing from the artifact store");
            results.Add(JsonSerializer.Deserialize<EvaluationResult>(bytes, Json)!);
        }
        string? reportPrefix = null;
        List<EvaluationSetScores>? summary = null;
        var spec = JsonSerializer.Deserialize<EvaluationSpec>((await store.GetBytesAsync(EvaluationKeys.Spec(Id)))!, Json)!;
        if (results.Count > 0)
        {
            var dir = Path.Combine(options.ScratchDirectory, $"evaluation-report-{Guid.NewGuid():N}");
            try
            {
                EvaluationReport.Write(dir, $"Segmentation: real vs synthetic ({Id})", results, new
                {
                    settings = spec.Settings,
                    realImages = spec.Real.Count,
                    syntheticPairs = spec.Synthetic.Count,
                    restyled = spec.Synthetic.Count(s => s.StyledRef is not null),
                });
                foreach (var file in Directory.GetFiles(dir))
                    await store.PutFileAsync(EvaluationKeys.ReportPrefix(Id) + Path.GetFileName(file), file);
            }
            finally
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            }
            reportPrefix = EvaluationKeys.ReportPrefix(Id);
            summary = SetSummary.From(results).Select(s => new EvaluationSetScores(s.Set, s.Dice.Mean, s.Dice.Std, s.Iou.Mean, s.Iou.Std,
                s.Precision.Mean, s.Recall.Mean, s.Accuracy.Mean, s.Dice.Folds, s.Model)).ToList();
        }
        var now = DateTimeOffset.UtcNow;
        var phase = S.Runs.Values.All(r => r.Phase == EvaluationRunPhase.Done) ? EvaluationPhase.Completed : EvaluationPhase.CompletedWithErrors;
        // Before the evaluation is marked finished, so whoever sees it finished finds the job's card already rewritten.
        if (spec.JobId is { } job)
            await TellJob(job, Status() with { Phase = phase, FinishedAt = now, ReportPrefix = reportPrefix, Summary = summary });
        await _state.Apply(s =>
        {
            if (s.IsFinished) return false;
            (s.ReportPrefix, s.Summary) = (reportPrefix, summary);
            s.Phase = phase;
            s.FinishedAt = now;
            return true;
        });
        logger.LogInformation("evaluation {Id}: {Phase}, report in {Report}", Id, S.Phase, S.ReportPrefix);
        await TryEnsureListed();
        await TryStopReminder();
    }

    /// <summary>
    /// Gives the results to the job that asked for this evaluation, for its dataset card. The
    /// evaluation finishes whatever the answer: a job that cannot take them keeps a card that
    /// says where the report is.
    /// </summary>
    private async Task TellJob(string job, EvaluationStatus finished)
    {
        try
        {
            await GrainFactory.GetGrain<IJobCoordinatorGrain>(job).EvaluationFinished(finished);
        }
        catch (Exception e)
        {
            logger.LogWarning("evaluation {Id}: job {Job} did not take the results for its dataset card: {Error}", Id, job, e.Message);
        }
    }

    private EvaluationStatus Status()
    {
        var s = _state.View;
        var runs = s.Runs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
            !kv.Value.IsTerminal && _live.TryGetValue(kv.Key, out var live)
                ? live
                : new EvaluationRunStatus(kv.Key, kv.Value.Phase, 0, 0, kv.Value.ValidationIou, kv.Value.TestDice, kv.Value.TestIou, kv.Value.Error, kv.Value.Attempts)).ToList();
        return new EvaluationStatus(Id, s.Phase, runs, s.CreatedAt, s.FinishedAt, s.ReportPrefix, s.Summary, s.Error);
    }
}
