using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// One job (key: the client's job id). Accepting a job only stores it; a reconcile pass, run
/// right away, by a reminder and by retry timers, starts the image grains that are due —
/// never-started ones, retries whose backoff has passed, and silent ones — so a job survives
/// the loss of any silo, this grain's own included. Progress is kept in memory; transitions
/// are persisted. When every image has ended it writes the dataset manifest. Reentrant: image
/// grains report to it while it is waiting on them, and it only interleaves at awaits.
/// </summary>
[Reentrant]
public sealed class JobCoordinatorGrain(
    [PersistentState("job", StorageNames.Grains)] IPersistentState<JobState> state,
    IArtifactStore store,
    SinGanSegOptions options,
    ILogger<JobCoordinatorGrain> logger) : Grain, IJobCoordinatorGrain, IRemindable
{
    private const string ReconcileReminder = "reconcile";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, ImageProgress> _live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private readonly SerialStateWriter<JobState> _writer = new(state);
    private JobSpec? _spec;
    private bool _submitted;
    private bool _finishing;

    private string JobId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !IsFinished(state.State.Phase))
        {
            // Back after a restart or a lost silo: touch every unfinished image once, which
            // resumes it at once (Start is idempotent) instead of at its next reminder tick.
            foreach (var record in state.State.Images.Values.Where(r => !r.IsTerminal)) record.LastHeard = null;
            ScheduleReconcile(TimeSpan.Zero);
        }
        if (state.RecordExists) PublishCounts();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ImageStateCounts.Remove(JobId);
        return Task.CompletedTask;
    }

    public async Task<JobStatus> Submit(JobSpec spec)
    {
        using var activity = SinGanSegActivity.Source.StartActivity(SinGanSegActivity.JobSubmit);
        activity?.SetTag(SinGanSegActivity.JobId, spec.JobId);
        activity?.SetTag(SinGanSegActivity.JobImages, spec.Images.Count);
        try
        {
            return await Accept(spec, activity);
        }
        catch (Exception e)
        {
            activity.Fail(e);
            throw;
        }
    }

    private async Task<JobStatus> Accept(JobSpec spec, Activity? activity)
    {
        if (spec.JobId != JobId) throw new ArgumentException($"job id '{spec.JobId}' does not match the grain '{JobId}'");
        if (state.RecordExists)
        {
            activity?.SetTag("job.existing", true);
            if (state.State.Fingerprint == spec.Fingerprint()) return Status();
            throw new JobConflictException($"job '{JobId}' already exists with different images or options; choose another job id");
        }
        JobValidation.Validate(spec);
        await store.PutBytesAsync(ModelKeys.Spec(JobId), JsonSerializer.SerializeToUtf8Bytes(spec, Json));
        _spec = spec;
        var now = DateTimeOffset.UtcNow;
        state.State = new JobState
        {
            Fingerprint = spec.Fingerprint(),
            Phase = JobPhase.Accepted,
            CreatedAt = now,
            Training = spec.Training,
            SamplesPerImage = spec.SamplesPerImage,
            Seed = spec.Seed,
            GenStartScale = spec.GenStartScale,
            MaxAttempts = spec.MaxAttempts,
            AllowEmptyMasks = spec.AllowEmptyMasks,
            Images = spec.Images.ToDictionary(i => i.Name, _ => new ImageRecord(), StringComparer.Ordinal),
            TraceParent = activity.TraceParent(),
        };
        _submitted = true;
        await Save();
        await this.RegisterOrUpdateReminder(ReconcileReminder, options.JobReconcile, options.JobReconcile);
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).Register(JobId, now);
        logger.LogInformation("job {Job}: accepted {Count} images, {Samples} samples each, preset {Preset}", JobId, spec.Images.Count, spec.SamplesPerImage, spec.Training.Preset);
        ScheduleReconcile(TimeSpan.Zero);
        return Status();
    }

    public Task<JobStatus> GetStatus() => state.RecordExists
        ? Task.FromResult(Status())
        : throw new KeyNotFoundException($"job '{JobId}' does not exist");

    public async Task<JobStatus> Cancel()
    {
        if (!state.RecordExists) throw new KeyNotFoundException($"job '{JobId}' does not exist");
        if (IsFinished(state.State.Phase)) return Status();
        state.State.Phase = JobPhase.Cancelled;
        state.State.FinishedAt = DateTimeOffset.UtcNow;
        var open = state.State.Images.Where(kv => !kv.Value.IsTerminal).ToList();
        foreach (var (_, record) in open) record.Phase = ImagePhase.Cancelled;
        await Save();
        await ForEachLimited(open, (name, _) => GrainFactory.GetGrain<IImageModelGrain>(GrainKeys.Image(JobId, name)).Cancel());
        await this.StopReminder(ReconcileReminder);
        logger.LogInformation("job {Job}: cancelled, {Count} images stopped", JobId, open.Count);
        return Status();
    }

    public async Task<JobStatus> Retry(IReadOnlyList<string>? images = null)
    {
        if (!state.RecordExists) throw new KeyNotFoundException($"job '{JobId}' does not exist");
        if (state.State.Phase == JobPhase.Cancelled) throw new JobRetryException($"job '{JobId}' was cancelled; submit it again to run it");
        // Finish is writing the manifest and would overwrite the phase set here.
        if (_finishing) throw new JobRetryException($"job '{JobId}' is writing its manifest; retry in a moment");
        var unknown = images?.FirstOrDefault(i => !state.State.Images.ContainsKey(i));
        if (unknown is not null) throw new KeyNotFoundException($"job '{JobId}' has no image '{unknown}'");
        var failed = state.State.Images
            .Where(kv => kv.Value.Phase == ImagePhase.Failed && (images is null || images.Count == 0 || images.Contains(kv.Key)))
            .ToList();
        if (failed.Count == 0) throw new JobRetryException($"job '{JobId}' has no failed images to retry");
        foreach (var (_, record) in failed)
        {
            // A new attempt number: the image grain starts afresh and outcomes of the old attempt are ignored.
            record.RetryBase = record.Attempts;
            record.Attempts++;
            record.Phase = ImagePhase.Pending;
            record.Started = false;
            record.NextAttemptAt = null;
            record.LastHeard = null;
        }
        if (IsFinished(state.State.Phase))
        {
            state.State.Phase = JobPhase.Running;
            state.State.FinishedAt = null;
            state.State.ManifestKey = null;
            state.State.EvaluationError = null;
        }
        await Save();
        await this.RegisterOrUpdateReminder(ReconcileReminder, options.JobReconcile, options.JobReconcile);
        logger.LogInformation("job {Job}: retrying {Count} failed images", JobId, failed.Count);
        ScheduleReconcile(TimeSpan.Zero);
        return Status();
    }

    public Task ReportProgress(ImageProgress progress)
    {
        if (state.RecordExists && state.State.Images.TryGetValue(progress.Name, out var record) && !record.IsTerminal)
        {
            var moved = !_live.TryGetValue(progress.Name, out var before) || before.Phase != progress.Phase;
            _live[progress.Name] = progress;
            if (moved) PublishCounts();
            record.LastHeard = DateTimeOffset.UtcNow;
            record.CompletedScales = Math.Max(record.CompletedScales, progress.CompletedScales);
            record.ScaleCount = progress.ScaleCount;
        }
        return Task.CompletedTask;
    }

    public async Task ScaleCommitted(string image, int completedScales, int scaleCount)
    {
        if (!state.RecordExists || !state.State.Images.TryGetValue(image, out var record) || record.IsTerminal) return;
        if (completedScales <= record.CompletedScales) return;
        record.CompletedScales = completedScales;
        record.ScaleCount = scaleCount;
        record.LastHeard = DateTimeOffset.UtcNow;
        await Save();
    }

    public async Task ImageFinished(ImageOutcome outcome)
    {
        if (!state.RecordExists || !state.State.Images.TryGetValue(outcome.Name, out var record)) return;
        // Outcomes of earlier attempts, and repeats of one already recorded, change nothing.
        if (outcome.Attempt != record.Attempts || record.IsTerminal || record.Phase == ImagePhase.RetryScheduled) return;
        _live.Remove(outcome.Name);
        record.ModelKey = outcome.ModelKey;
        record.FromCache = outcome.FromCache;
        if (outcome.Succeeded)
        {
            await store.PutBytesAsync(ModelKeys.Outcome(JobId, outcome.Name), JsonSerializer.SerializeToUtf8Bytes(outcome, Json));
            record.Phase = ImagePhase.Done;
            record.Samples = outcome.Samples.Count;
            record.Styled = outcome.Samples.Count(x => x.StyledImageKey is not null);
            record.Sifid = Averages.MeanOf(outcome.Samples.Select(x => x.Sifid));
            record.SifidStyled = Averages.MeanOf(outcome.Samples.Select(x => x.SifidStyled));
            record.SifidMetric = outcome.Samples.Select(x => x.SifidMetric).FirstOrDefault(m => m is not null);
            record.CompletedScales = Math.Max(record.CompletedScales, record.ScaleCount);
            record.Error = null;
            SinGanSegMetrics.ImagesCompleted.Add(1);
        }
        else if (!outcome.Permanent && record.Attempts - record.RetryBase < state.State.MaxAttempts)
        {
            var delay = WorkSchedule.RetryDelay(options, record.Attempts);
            record.Phase = ImagePhase.RetryScheduled;
            record.Error = outcome.Error;
            record.Attempts++;
            record.Started = false;
            record.NextAttemptAt = DateTimeOffset.UtcNow + delay;
            logger.LogWarning("job {Job}: {Image} failed ({Error}); attempt {Attempt} in {Delay}", JobId, outcome.Name, outcome.Error, record.Attempts, delay);
            SinGanSegMetrics.ImagesRetried.Add(1);
            ScheduleReconcile(delay);
        }
        else
        {
            record.Phase = ImagePhase.Failed;
            record.Error = outcome.Error;
            logger.LogWarning("job {Job}: {Image} failed for good: {Error}", JobId, outcome.Name, outcome.Error);
            SinGanSegMetrics.ImagesFailed.Add(1);
        }
        await Save();
        if (!IsFinished(state.State.Phase) && !_finishing && state.State.Images.Values.All(r => r.IsTerminal))
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
        state.RecordExists && !IsFinished(state.State.Phase) ? Reconcile() : this.StopReminder(ReconcileReminder);

    private void ScheduleReconcile(TimeSpan due) =>
        this.RegisterGrainTimer(_ => Reconcile(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true });

    /// <summary>Starts every image that is due. Only one pass runs at a time.</summary>
    private async Task Reconcile()
    {
        if (!await _reconciling.WaitAsync(0)) return;
        try
        {
            if (!state.RecordExists || IsFinished(state.State.Phase)) return;
            var spec = _spec ??= await LoadSpec();
            var now = DateTimeOffset.UtcNow;
            var due = state.State.Images.Where(kv => IsDue(kv.Value, now)).ToList();
            if (due.Count == 0) return;
            var inputs = spec.Images.ToDictionary(i => i.Name, StringComparer.Ordinal);
            var started = 0;
            // Timers and reminders carry no trace: the image calls go out under the submit span,
            // so one trace runs from the request to the images' stages. A later activation (after
            // a restart) starts a new trace linked to the submit span rather than growing it for days.
            var submitted = SinGanSegActivity.ParseTraceParent(state.State.TraceParent);
            using var dispatch = _submitted
                ? SinGanSegActivity.Source.StartActivity(SinGanSegActivity.JobDispatch, ActivityKind.Internal, submitted)
                : SinGanSegActivity.Source.StartActivity(SinGanSegActivity.JobDispatch, ActivityKind.Internal, NoParent(),
                    links: submitted == default ? null : [new ActivityLink(submitted)]);
            dispatch?.SetTag(SinGanSegActivity.JobId, JobId);
            dispatch?.SetTag(SinGanSegActivity.JobImages, due.Count);
            await ForEachLimited(due, async (name, record) =>
            {
                var work = new ImageWork(JobId, inputs[name], spec.Training, spec.SamplesPerImage, spec.Seed, spec.GenStartScale, record.Attempts, spec.AllowEmptyMasks,
                    spec.Style, spec.Score, state.State.TraceParent);
                try
                {
                    await GrainFactory.GetGrain<IImageModelGrain>(GrainKeys.Image(JobId, name)).Start(work);
                    if (IsFinished(state.State.Phase) || record.IsTerminal) return;
                    record.Started = true;
                    record.LastHeard = DateTimeOffset.UtcNow;
                    if (record.Phase is ImagePhase.Pending or ImagePhase.RetryScheduled) record.Phase = ImagePhase.Queued;
                    Interlocked.Increment(ref started);
                }
                catch (Exception e)
                {
                    // No accelerator silo yet, a silo going down...: the next pass tries again.
                    logger.LogWarning("job {Job}: could not start {Image}: {Error}", JobId, name, e.Message);
                }
            });
            if (state.State.Phase == JobPhase.Accepted && started > 0) state.State.Phase = JobPhase.Running;
            await Save();
        }
        finally
        {
            _reconciling.Release();
        }
    }

    private bool IsDue(ImageRecord record, DateTimeOffset now) => record.Phase switch
    {
        ImagePhase.Pending => true,
        ImagePhase.RetryScheduled => record.NextAttemptAt <= now,
        _ when record.IsTerminal => false,
        _ => WorkSchedule.IsSilent(options, record.Started, record.LastHeard, now),
    };

    private async Task Finish()
    {
        var samples = new List<SampleRecord>();
        foreach (var (name, record) in state.State.Images.Where(kv => kv.Value.Phase == ImagePhase.Done).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var bytes = await store.GetBytesAsync(ModelKeys.Outcome(JobId, name))
                ?? throw new InvalidOperationException($"job {JobId}: outcome of {name} missing from the artifact store");
            samples.AddRange(JsonSerializer.Deserialize<ImageOutcome>(bytes, Json)!.Samples);
        }
        var manifestKey = ModelKeys.Manifest(JobId);
        await store.PutBytesAsync(manifestKey, DatasetManifest.Build(samples));
        state.State.ManifestKey = manifestKey;
        await StartEvaluation(samples);
        state.State.Phase = state.State.Images.Values.Any(r => r.Phase != ImagePhase.Done) ? JobPhase.CompletedWithErrors : JobPhase.Completed;
        state.State.FinishedAt = DateTimeOffset.UtcNow;
        await Save();
        await this.StopReminder(ReconcileReminder);
        logger.LogInformation("job {Job}: {Phase}, {Samples} samples in {Manifest}", JobId, state.State.Phase, samples.Count, manifestKey);
    }

    /// <summary>The job's evaluate stage: UNet++ on its real images versus the pairs it made from them.</summary>
    private async Task StartEvaluation(IReadOnlyList<SampleRecord> samples)
    {
        var spec = _spec ??= await LoadSpec();
        if (spec.Evaluate is not { } settings || state.State.EvaluationId is not null) return;
        var done = state.State.Images.Where(kv => kv.Value.Phase == ImagePhase.Done).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var evaluation = new EvaluationSpec($"{JobId}-evaluation",
            [.. spec.Images.Where(i => done.Contains(i.Name))],
            [.. samples.Select(s => new SyntheticInput(s.Name, "artifact:" + s.ImageKey, "artifact:" + s.MaskKey, s.SourceImage,
                s.StyledImageKey is null ? null : "artifact:" + s.StyledImageKey))],
            settings);
        try
        {
            await GrainFactory.GetGrain<IEvaluationCoordinatorGrain>(evaluation.EvaluationId).Submit(evaluation);
            state.State.EvaluationId = evaluation.EvaluationId;
        }
        catch (Exception e) when (e is ArgumentException or JobConflictException)
        {
            // Too few images left after failures, say: the dataset stands, the report says why there is no evaluation.
            state.State.EvaluationError = e.Message;
            logger.LogWarning("job {Job}: evaluation not started: {Error}", JobId, e.Message);
        }
    }

    private async Task<JobSpec> LoadSpec()
    {
        var bytes = await store.GetBytesAsync(ModelKeys.Spec(JobId))
            ?? throw new InvalidOperationException($"job {JobId}: its spec is missing from the artifact store");
        return JsonSerializer.Deserialize<JobSpec>(bytes, Json)!;
    }

    private JobStatus Status()
    {
        var s = state.State;
        var images = s.Images.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
        {
            var (name, r) = kv;
            if (!r.IsTerminal && _live.TryGetValue(name, out var live))
                return live with { CompletedScales = Math.Max(live.CompletedScales, r.CompletedScales), Attempts = r.Attempts, Error = r.Error };
            return new ImageProgress(name, r.Phase, r.CompletedScales, r.ScaleCount, Error: r.Error, Attempts: r.Attempts,
                ModelKey: r.ModelKey, Samples: r.Samples, FromCache: r.FromCache, UpdatedAt: r.LastHeard,
                Sifid: r.Sifid, SifidStyled: r.SifidStyled, SifidMetric: r.SifidMetric, Styled: r.Styled);
        }).ToList();
        return new JobStatus(JobId, s.Phase, images, s.CreatedAt, s.FinishedAt, s.ManifestKey, s.SamplesPerImage, s.Training?.Preset ?? "",
            s.EvaluationId, s.EvaluationError);
    }

    private async Task ForEachLimited(IReadOnlyList<KeyValuePair<string, ImageRecord>> items, Func<string, ImageRecord, Task> action)
    {
        for (var i = 0; i < items.Count; i += options.FanOutConcurrency)
            await Task.WhenAll(items.Skip(i).Take(options.FanOutConcurrency).Select(kv => action(kv.Key, kv.Value)));
    }

    private static bool IsFinished(JobPhase phase) => phase is JobPhase.Completed or JobPhase.CompletedWithErrors or JobPhase.Cancelled;

    private Task Save()
    {
        PublishCounts();
        return _writer.Save();
    }

    /// <summary>A root: with no explicit parent StartActivity would take whatever Activity.Current the timer runs under.</summary>
    private static ActivityContext NoParent()
    {
        Activity.Current = null;
        return default;
    }

    /// <summary>This job's images by state for the singanseg.images gauge: the recorded phase, or the live one while running.</summary>
    private void PublishCounts() => ImageStateCounts.Publish(JobId, state.State.Images.Select(kv =>
        !kv.Value.IsTerminal && _live.TryGetValue(kv.Key, out var live) ? live.Phase : kv.Value.Phase));
}
