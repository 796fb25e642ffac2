using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
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
/// runs have ended. Same shape as the job coordinator, so it survives the same failures.
/// </summary>
[Reentrant]
public sealed class EvaluationCoordinatorGrain(
    [PersistentState("evaluation", StorageNames.Grains)] IPersistentState<EvaluationState> state,
    IArtifactStore store,
    SinGanSegOptions options,
    ILogger<EvaluationCoordinatorGrain> logger) : Grain, IEvaluationCoordinatorGrain, IRemindable
{
    private const string ReconcileReminder = "reconcile";

    /// <summary>Tries per run: a run that fails three times for a transient reason is reported as failed.</summary>
    private const int MaxAttempts = 3;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, EvaluationRunStatus> _live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private readonly SerialStateWriter<EvaluationState> _writer = new(state);
    private bool _finishing;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !state.State.Phase.IsFinished())
        {
            foreach (var r in state.State.Runs.Values.Where(r => !r.IsTerminal)) r.LastHeard = null;
            ScheduleReconcile(TimeSpan.Zero);
        }
        return Task.CompletedTask;
    }

    public async Task<EvaluationStatus> Submit(EvaluationSpec spec)
    {
        if (spec.EvaluationId != Id) throw new ArgumentException($"evaluation id '{spec.EvaluationId}' does not match the grain '{Id}'");
        if (state.RecordExists)
        {
            if (state.State.Fingerprint == spec.Fingerprint()) return Status();
            throw new Jobs.JobConflictException($"evaluation '{Id}' already exists with different inputs or settings; choose another id");
        }
        EvaluationSettingsMapper.Validate(spec);
        var runs = EvaluationSettingsMapper.Plan(spec);
        await store.PutBytesAsync(EvaluationKeys.Spec(Id), JsonSerializer.SerializeToUtf8Bytes(spec, Json));
        state.State = new EvaluationState
        {
            Fingerprint = spec.Fingerprint(),
            Phase = EvaluationPhase.Accepted,
            CreatedAt = DateTimeOffset.UtcNow,
            Runs = runs.ToDictionary(r => r.Key, _ => new EvaluationRunRecord(), StringComparer.Ordinal),
        };
        await Save();
        await this.RegisterOrUpdateReminder(ReconcileReminder, options.JobReconcile, options.JobReconcile);
        logger.LogInformation("evaluation {Id}: accepted, {Runs} runs", Id, runs.Count);
        ScheduleReconcile(TimeSpan.Zero);
        return Status();
    }

    public Task<EvaluationStatus> GetStatus() => state.RecordExists
        ? Task.FromResult(Status())
        : throw new KeyNotFoundException($"evaluation '{Id}' does not exist");

    public Task ReportProgress(string runKey, int attempt, int epoch, int epochs, double validationIou)
    {
        if (state.RecordExists && state.State.Runs.TryGetValue(runKey, out var r) && !r.IsTerminal && r.Attempts == attempt)
        {
            r.LastHeard = DateTimeOffset.UtcNow;
            _live[runKey] = new EvaluationRunStatus(runKey, EvaluationRunPhase.Running, epoch, epochs, validationIou, Attempts: attempt);
        }
        return Task.CompletedTask;
    }

    public async Task RunFinished(string runKey, int attempt, bool succeeded, string? error, bool permanent)
    {
        if (!state.RecordExists || !state.State.Runs.TryGetValue(runKey, out var r) || r.IsTerminal || r.Attempts != attempt) return;
        _live.Remove(runKey);
        if (succeeded)
        {
            var bytes = await store.GetBytesAsync(EvaluationKeys.Result(Id, runKey));
            var result = bytes is null ? null : JsonSerializer.Deserialize<EvaluationResult>(bytes, Json);
            if (result is null)
            {
                (succeeded, error, permanent) = (false, "the run's result is missing from the artifact store", false);
            }
            else
            {
                r.Phase = EvaluationRunPhase.Done;
                (r.TestDice, r.TestIou, r.ValidationIou, r.Error) = (result.Test.Dice, result.Test.Iou, result.BestValidationIou, null);
            }
        }
        if (!succeeded)
        {
            if (!permanent && r.Attempts < MaxAttempts)
            {
                var delay = WorkSchedule.RetryDelay(options, r.Attempts);
                (r.Phase, r.Error, r.Started, r.NextAttemptAt) = (EvaluationRunPhase.RetryScheduled, error, false, DateTimeOffset.UtcNow + delay);
                r.Attempts++;
                logger.LogWarning("evaluation {Id}: run {Run} failed ({Error}); attempt {Attempt} in {Delay}", Id, runKey, error, r.Attempts, delay);
                ScheduleReconcile(delay);
            }
            else
            {
                (r.Phase, r.Error) = (EvaluationRunPhase.Failed, error);
                logger.LogWarning("evaluation {Id}: run {Run} failed for good: {Error}", Id, runKey, error);
            }
        }
        await Save();
        if (!state.State.Phase.IsFinished() && !_finishing && state.State.Runs.Values.All(x => x.IsTerminal))
        {
            _finishing = true;
            try
            {
                await Finish();
            }
            finally
            {
                _finishing = false;
            }
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        state.RecordExists && !state.State.Phase.IsFinished() ? Reconcile() : this.StopReminder(ReconcileReminder);

    private void ScheduleReconcile(TimeSpan due) =>
        this.RegisterGrainTimer(_ => Reconcile(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true });

    private async Task Reconcile()
    {
        if (!await _reconciling.WaitAsync(0)) return;
        try
        {
            if (!state.RecordExists || state.State.Phase.IsFinished()) return;
            var now = DateTimeOffset.UtcNow;
            var started = 0;
            foreach (var (key, r) in state.State.Runs.Where(kv => IsDue(kv.Value, now)).ToList())
            {
                try
                {
                    await GrainFactory.GetGrain<IEvaluationRunGrain>(EvaluationKeys.RunGrain(Id, key)).Start(Id, key, r.Attempts);
                    if (r.IsTerminal) continue;
                    (r.Started, r.LastHeard) = (true, DateTimeOffset.UtcNow);
                    if (r.Phase is EvaluationRunPhase.Pending or EvaluationRunPhase.RetryScheduled) r.Phase = EvaluationRunPhase.Running;
                    started++;
                }
                catch (Exception e)
                {
                    logger.LogWarning("evaluation {Id}: could not start {Run}: {Error}", Id, key, e.Message);
                }
            }
            if (state.State.Phase == EvaluationPhase.Accepted && started > 0) state.State.Phase = EvaluationPhase.Running;
            await Save();
        }
        finally
        {
            _reconciling.Release();
        }
    }

    private bool IsDue(EvaluationRunRecord r, DateTimeOffset now) => r.Phase switch
    {
        EvaluationRunPhase.Pending => true,
        EvaluationRunPhase.RetryScheduled => r.NextAttemptAt <= now,
        _ when r.IsTerminal => false,
        _ => WorkSchedule.IsSilent(options, r.Started, r.LastHeard, now),
    };

    /// <summary>Gathers the stored results into report.json, report.md and the charts, then stores them.</summary>
    private async Task Finish()
    {
        var results = new List<EvaluationResult>();
        foreach (var key in state.State.Runs.Where(kv => kv.Value.Phase == EvaluationRunPhase.Done).Select(kv => kv.Key).Order(StringComparer.Ordinal))
        {
            var bytes = await store.GetBytesAsync(EvaluationKeys.Result(Id, key));
            if (bytes is not null) results.Add(JsonSerializer.Deserialize<EvaluationResult>(bytes, Json)!);
        }
        if (results.Count > 0)
        {
            var spec = JsonSerializer.Deserialize<EvaluationSpec>((await store.GetBytesAsync(EvaluationKeys.Spec(Id)))!, Json)!;
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
                Directory.Delete(dir, recursive: true);
            }
            state.State.ReportPrefix = EvaluationKeys.ReportPrefix(Id);
            state.State.Summary = SetSummary.From(results).Select(s => new EvaluationSetScores(s.Set, s.Dice.Mean, s.Dice.Std, s.Iou.Mean, s.Iou.Std,
                s.Precision.Mean, s.Recall.Mean, s.Accuracy.Mean, s.Dice.Folds, s.Model)).ToList();
        }
        state.State.Phase = state.State.Runs.Values.All(r => r.Phase == EvaluationRunPhase.Done) ? EvaluationPhase.Completed : EvaluationPhase.CompletedWithErrors;
        state.State.FinishedAt = DateTimeOffset.UtcNow;
        await Save();
        await this.StopReminder(ReconcileReminder);
        logger.LogInformation("evaluation {Id}: {Phase}, report in {Report}", Id, state.State.Phase, state.State.ReportPrefix);
    }

    private EvaluationStatus Status()
    {
        var s = state.State;
        var runs = s.Runs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
            !kv.Value.IsTerminal && _live.TryGetValue(kv.Key, out var live)
                ? live
                : new EvaluationRunStatus(kv.Key, kv.Value.Phase, 0, 0, kv.Value.ValidationIou, kv.Value.TestDice, kv.Value.TestIou, kv.Value.Error, kv.Value.Attempts)).ToList();
        return new EvaluationStatus(Id, s.Phase, runs, s.CreatedAt, s.FinishedAt, s.ReportPrefix, s.Summary, s.Error);
    }

    private Task Save() => _writer.Save();
}

internal static class EvaluationPhaseExtensions
{
    public static bool IsFinished(this EvaluationPhase phase) => phase is EvaluationPhase.Completed or EvaluationPhase.CompletedWithErrors;
}
