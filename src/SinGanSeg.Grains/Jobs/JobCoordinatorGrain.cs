using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Serialization;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Evaluation;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// One job (key: the client's job id). Accepting a job only stores it; a reconcile pass, run
/// right away, by a reminder and by retry timers, starts the image grains that are due —
/// never-started ones, retries whose backoff has passed, and silent ones — so a job survives
/// the loss of any silo, this grain's own included, and finishes the job once every image has
/// ended. Progress is kept in memory; transitions go through <see cref="DurableState{T}"/>
/// (stored first, rolled back if the store refuses) and the rules through
/// <see cref="WorkTracker{TRecord}"/>. Reentrant: image grains report to it while it is
/// waiting on them, and it only interleaves at awaits.
/// </summary>
[Reentrant]
public sealed class JobCoordinatorGrain(
    [PersistentState("job", StorageNames.Grains)] IPersistentState<JobState> state,
    DeepCopier<JobState> copier,
    IArtifactStore store,
    SinGanSegOptions options,
    ILogger<JobCoordinatorGrain> logger) : Grain, IJobCoordinatorGrain, IRemindable
{
    private const string ReconcileReminder = "reconcile";
    private const string RetentionReminder = "retention";
    private const string DeleteReminder = "delete";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, ImageProgress> _live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private readonly SemaphoreSlim _deleting = new(1, 1);
    private readonly DurableState<JobState> _state = new(state, copier);
    private WorkTracker<ImageRecord>? _tracker;
    private JobSpec? _spec;
    private bool _submitted;

    private string JobId => this.GetPrimaryKeyString();
    private JobState S => state.State;
    private WorkTracker<ImageRecord> Tracker => _tracker ??= new(WorkPolicy.From(options, Math.Max(1, S.MaxAttempts)));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && S.IsDeleting)
        {
            // A deletion cut short (its silo lost): finish it rather than waiting for its reminder.
            this.RegisterGrainTimer(_ => ResumeDeletion(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
        else if (state.RecordExists && !S.IsFinished)
        {
            // Back after a restart or a lost silo: touch every unfinished image once, which
            // resumes it at once (Start is idempotent) instead of at its next reminder tick.
            WorkTracker<ImageRecord>.Resumed(S.Images.Values);
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
            if (S.IsDeleting) throw new JobConflictException($"job '{JobId}' is being deleted; submit it again once the deletion has finished");
            if (S.Fingerprint != spec.Fingerprint())
                throw new JobConflictException($"job '{JobId}' already exists with different images or options; choose another job id");
            // The first submit may have stopped after storing the job: finish what it started.
            await TryEnsureListed();
            if (!S.IsFinished) ScheduleReconcile(TimeSpan.Zero);
            return Status();
        }
        JobValidation.Validate(spec);
        await store.PutBytesAsync(ModelKeys.Spec(JobId), JsonSerializer.SerializeToUtf8Bytes(spec, Json));
        _spec = spec;
        var now = DateTimeOffset.UtcNow;
        var fingerprint = spec.Fingerprint();
        var traceParent = activity.TraceParent();
        await _state.Apply(s =>
        {
            // Applied again to the stored state after a lost acknowledgement: it is this very job then.
            if (s.Fingerprint == fingerprint) return false;
            s.Fingerprint = fingerprint;
            s.Phase = JobPhase.Accepted;
            s.CreatedAt = now;
            s.Training = spec.Training;
            s.SamplesPerImage = spec.SamplesPerImage;
            s.Seed = spec.Seed;
            s.GenStartScale = spec.GenStartScale;
            s.MaxAttempts = spec.MaxAttempts;
            s.AllowEmptyMasks = spec.AllowEmptyMasks;
            s.Images = spec.Images.ToDictionary(i => i.Name, _ => new ImageRecord(), StringComparer.Ordinal);
            s.TraceParent = traceParent;
            return true;
        });
        _submitted = true;
        _tracker = null;
        PublishCounts();
        await this.RegisterOrUpdateReminder(ReconcileReminder, options.JobReconcile, options.JobReconcile);
        await TryEnsureListed();
        logger.LogInformation("job {Job}: accepted {Count} images, {Samples} samples each, preset {Preset}", JobId, spec.Images.Count, spec.SamplesPerImage, spec.Training.Preset);
        ScheduleReconcile(TimeSpan.Zero);
        return Status();
    }

    /// <summary>
    /// Puts the job in the registry's list, and brings its listing's phase and counts up to date
    /// after a phase change (so the list filters by phase without asking every job); retried by
    /// resubmission, reconcile passes, finishing and cancelling until it sticks.
    /// </summary>
    private async Task EnsureListed()
    {
        var phase = S.Phase;
        if (S.Listed && S.ListedPage is not null && S.ListedPhase == phase) return;
        var listing = new JobListing(JobId, S.CreatedAt, phase, S.Images.Count,
            S.Images.Values.Count(r => r.Phase == ImagePhase.Done), S.Images.Values.Count(r => r.Phase == ImagePhase.Failed));
        var page = S.ListedPage is { } known && await GrainFactory.GetGrain<IJobRegistryPageGrain>(known).Update(listing)
            ? known
            : await GrainFactory.GetGrain<IJobRegistryGrain>(0).Register(listing);
        await _state.Apply(s =>
        {
            if (s.Listed && s.ListedPage == page && s.ListedPhase == phase) return false;
            (s.Listed, s.ListedPage, s.ListedPhase) = (true, page, phase);
            return true;
        });
    }

    /// <summary>Listing is not worth failing a submit or a reconcile pass over: it is retried by the next pass.</summary>
    private async Task TryEnsureListed()
    {
        try
        {
            await EnsureListed();
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job}: not listed yet ({Error}); the next reconcile pass tries again", JobId, e.Message);
        }
    }

    public Task<JobStatus> GetStatus() => state.RecordExists
        ? Task.FromResult(Status())
        : throw new KeyNotFoundException($"job '{JobId}' does not exist");

    public async Task<JobStatus> Cancel()
    {
        if (!state.RecordExists) throw new KeyNotFoundException($"job '{JobId}' does not exist");
        if (S.IsFinished && S.Phase != JobPhase.Cancelled) return Status();
        var now = DateTimeOffset.UtcNow;
        await _state.Apply(s =>
        {
            if (s.IsFinished) return false;
            s.Phase = JobPhase.Cancelled;
            s.FinishedAt = now;
            foreach (var record in s.Images.Values) WorkTracker<ImageRecord>.Cancel(record);
            return true;
        });
        PublishCounts();
        // Every image that had not finished, started or not: one that has no work yet records the
        // cancel and refuses a Start still in flight from a reconcile pass.
        var open = S.Images.Where(kv => kv.Value.Phase == ImagePhase.Cancelled).Select(kv => (kv.Key, kv.Value.Attempts)).ToList();
        await Tracker.StartAll(open, async (name, _) =>
        {
            await GrainFactory.GetGrain<IImageModelGrain>(GrainKeys.Image(JobId, name)).Cancel();
            return true;
        }, (name, e) => logger.LogWarning("job {Job}: could not tell {Image} about the cancel ({Error}); it learns it from its next progress report", JobId, name, e.Message));
        await StopSegmenter();
        await this.StopReminder(ReconcileReminder);
        await TryEnsureListed();
        await TryScheduleRetention();
        logger.LogInformation("job {Job}: cancelled, {Count} images stopped", JobId, open.Count);
        return Status();
    }

    /// <summary>
    /// A job with the mask agreement gate may have its segmenter in training (on a thread of its
    /// own, minutes at the default settings): nothing waits for it any more, so it is stopped, and
    /// a deletion that follows finds nothing still being written. A failure here is logged, not
    /// thrown: the cancel stands, and an unstopped training stores one small artifact that the
    /// deletion of the job removes.
    /// </summary>
    private Task StopSegmenter() => TellSegmenter("stop", s => s.Stop());

    /// <summary>Deletion: the segmenter's activation (and its stop) goes, so a new job may take the id.</summary>
    private Task ForgetSegmenter() => TellSegmenter("forget", s => s.Forget());

    private async Task TellSegmenter(string what, Func<IJobSegmenterGrain, Task> tell)
    {
        try
        {
            if (!(_spec ??= await LoadSpec()).Settings.Gates.IsOn(MaskAgreementGate.Name)) return;
            await tell(GrainFactory.GetGrain<IJobSegmenterGrain>(JobId));
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job}: could not {What} its mask agreement segmenter ({Error})", JobId, what, e.Message);
        }
    }

    public async Task<JobStatus> Retry(IReadOnlyList<string>? images = null)
    {
        if (!state.RecordExists) throw new KeyNotFoundException($"job '{JobId}' does not exist");
        if (S.IsDeleting) throw new JobRetryException($"job '{JobId}' is being deleted");
        if (S.Phase == JobPhase.Cancelled) throw new JobRetryException($"job '{JobId}' was cancelled; submit it again to run it");
        // Finish is writing the manifest and would overwrite the phase set here.
        if (Tracker.Finishing) throw new JobRetryException($"job '{JobId}' is writing its manifest; retry in a moment");
        var unknown = images?.FirstOrDefault(i => !S.Images.ContainsKey(i));
        if (unknown is not null) throw new KeyNotFoundException($"job '{JobId}' has no image '{unknown}'");
        var chosen = images is null || images.Count == 0 ? null : images.ToHashSet(StringComparer.Ordinal);
        var count = 0;
        await _state.Apply(s =>
        {
            // A new attempt number: the image grain starts afresh and outcomes of the old attempt are ignored.
            count = s.Images.Count(kv => (chosen is null || chosen.Contains(kv.Key)) && WorkTracker<ImageRecord>.Retry(kv.Value));
            if (count == 0) return false;
            if (s.IsFinished)
            {
                s.Phase = JobPhase.Running;
                s.FinishedAt = null;
                s.ManifestKey = null;
                s.EvaluationError = null;
            }
            return true;
        });
        if (count == 0) throw new JobRetryException($"job '{JobId}' has no failed images to retry");
        PublishCounts();
        await this.RegisterOrUpdateReminder(ReconcileReminder, options.JobReconcile, options.JobReconcile);
        logger.LogInformation("job {Job}: retrying {Count} failed images", JobId, count);
        ScheduleReconcile(TimeSpan.Zero);
        return Status();
    }

    public Task<bool> ReportProgress(ImageProgress progress)
    {
        if (!state.RecordExists || !S.Images.TryGetValue(progress.Name, out var record)) return Task.FromResult(true);
        // The answer an image that missed the cancel acts on.
        if (S.Phase == JobPhase.Cancelled || S.IsDeleting || record.Phase == ImagePhase.Cancelled) return Task.FromResult(false);
        if (!record.IsTerminal && progress.Attempts == record.Attempts)
        {
            var moved = !_live.TryGetValue(progress.Name, out var before) || before.Phase != progress.Phase;
            _live[progress.Name] = progress;
            if (moved) PublishCounts();
            // In memory only: lost with the activation, which then counts every image as unheard anyway.
            record.LastHeard = DateTimeOffset.UtcNow;
            record.CompletedScales = Math.Max(record.CompletedScales, progress.CompletedScales);
            record.ScaleCount = progress.ScaleCount;
        }
        return Task.FromResult(true);
    }

    public async Task ScaleCommitted(string image, int completedScales, int scaleCount)
    {
        if (!state.RecordExists || !S.Images.TryGetValue(image, out var known) || known.IsTerminal || completedScales <= known.CompletedScales) return;
        var now = DateTimeOffset.UtcNow;
        await _state.Apply(s =>
        {
            var record = s.Images[image];
            if (record.IsTerminal || completedScales <= record.CompletedScales) return false;
            record.CompletedScales = completedScales;
            record.ScaleCount = scaleCount;
            record.LastHeard = now;
            // A stored scale proves it trains: the status must not say Queued at 4/4 scales when the
            // live progress (sent every ProgressInterval) missed a short training.
            if (record.Phase == ImagePhase.Queued) record.Phase = ImagePhase.Training;
            return true;
        });
    }

    public async Task ImageFinished(ImageOutcome outcome)
    {
        if (!state.RecordExists || S.IsDeleting || !S.Images.TryGetValue(outcome.Name, out var known)) return;
        // Outcomes of earlier attempts, and repeats of one already recorded, change nothing —
        // but they are a moment to finish a job whose finishing failed before.
        if (!WorkTracker<ImageRecord>.Accepts(known, outcome.Attempt))
        {
            await TryFinish();
            return;
        }
        // Before the outcome counts: deleting another job that shares this model must see that this one uses it.
        if (outcome.ModelKey is not null) await store.PutBytesAsync(ModelKeys.ModelUser(outcome.ModelKey, JobId), []);
        // The samples list lives in the artifact store; stored before the image counts as done.
        if (outcome.Succeeded)
            await store.PutBytesAsync(ModelKeys.Outcome(JobId, outcome.Name), JsonSerializer.SerializeToUtf8Bytes(outcome, Json));
        var now = DateTimeOffset.UtcNow;
        var kind = outcome.Permanent ? FailureKind.Permanent : outcome.Infrastructure ? FailureKind.Infrastructure : FailureKind.Transient;
        FailureDecision decision = default;
        var recorded = await _state.Apply(s =>
        {
            var record = s.Images[outcome.Name];
            if (!WorkTracker<ImageRecord>.Accepts(record, outcome.Attempt)) return false;
            record.ModelKey = outcome.ModelKey;
            record.FromCache = outcome.FromCache;
            if (outcome.Succeeded)
            {
                WorkTracker<ImageRecord>.Succeeded(record);
                record.Samples = outcome.Samples.Count;
                record.Styled = outcome.Samples.Count(x => x.StyledImageKey is not null);
                record.Gates = outcome.Gates;
                record.Sifid = Averages.MeanOf(outcome.Samples.Select(x => x.Sifid));
                record.SifidStyled = Averages.MeanOf(outcome.Samples.Select(x => x.SifidStyled));
                record.SifidMetric = outcome.Samples.Select(x => x.SifidMetric).FirstOrDefault(m => m is not null);
                record.CompletedScales = Math.Max(record.CompletedScales, record.ScaleCount);
            }
            else
            {
                decision = Tracker.Failed(record, outcome.Error, kind, now);
            }
            return true;
        });
        if (recorded)
        {
            _live.Remove(outcome.Name);
            PublishCounts();
            var record = S.Images[outcome.Name];
            if (outcome.Succeeded)
            {
                SinGanSegMetrics.ImagesCompleted.Add(1);
            }
            else if (decision.Retrying)
            {
                logger.LogWarning("job {Job}: {Image} failed ({Kind}: {Error}); attempt {Attempt} in {Delay}", JobId, outcome.Name, kind, outcome.Error, record.Attempts, decision.Delay);
                SinGanSegMetrics.ImagesRetried.Add(1);
                ScheduleReconcile(decision.Delay);
            }
            else
            {
                logger.LogWarning("job {Job}: {Image} failed for good: {Error}", JobId, outcome.Name, outcome.Error);
                SinGanSegMetrics.ImagesFailed.Add(1);
            }
        }
        // The outcome is on record: a failure to finish is the job's to retry, never the image's.
        await TryFinish();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName switch
    {
        DeleteReminder => ResumeDeletion(),
        RetentionReminder => RetentionTick(),
        _ when state.RecordExists && S.IsDeleting => ResumeDeletion(),
        _ => state.RecordExists && !S.IsFinished ? Reconcile() : this.StopReminder(reminderName),
    };

    private void ScheduleReconcile(TimeSpan due) =>
        this.RegisterGrainTimer(_ => Reconcile(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true });

    /// <summary>
    /// Finishes the job if every image has ended and it is not finished yet. Never throws: a
    /// failed finish is logged and tried again by a reconcile pass after the retry delay (and by
    /// every reminder tick, since the reminder runs until the job is finished).
    /// </summary>
    private async Task TryFinish()
    {
        try
        {
            await Tracker.FinishIfDue(S.IsFinished, S.Images.Values, Finish);
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job}: finishing failed ({Error}); trying again in {Delay}", JobId, e.Message, options.RetryBaseDelay);
            ScheduleReconcile(options.RetryBaseDelay);
        }
    }

    /// <summary>Starts every image that is due, then finishes the job if all have ended. Only one pass runs at a time.</summary>
    private async Task Reconcile()
    {
        if (!await _reconciling.WaitAsync(0)) return;
        try
        {
            if (!state.RecordExists || S.IsFinished || S.IsDeleting) return;
            await TryFinish();
            if (S.IsFinished) return;
            await TryEnsureListed();
            var now = DateTimeOffset.UtcNow;
            var due = Tracker.Due(S.Images, now);
            if (due.Count == 0) return;
            var spec = _spec ??= await LoadSpec();
            var inputs = spec.Images.ToDictionary(i => i.Name, StringComparer.Ordinal);
            // Timers and reminders carry no trace: the image calls go out under the submit span,
            // so one trace runs from the request to the images' stages. A later activation (after
            // a restart) starts a new trace linked to the submit span rather than growing it for days.
            var submitted = SinGanSegActivity.ParseTraceParent(S.TraceParent);
            using var dispatch = _submitted
                ? SinGanSegActivity.Source.StartActivity(SinGanSegActivity.JobDispatch, ActivityKind.Internal, submitted)
                : SinGanSegActivity.Source.StartActivity(SinGanSegActivity.JobDispatch, ActivityKind.Internal, NoParent(),
                    links: submitted == default ? null : [new ActivityLink(submitted)]);
            dispatch?.SetTag(SinGanSegActivity.JobId, JobId);
            dispatch?.SetTag(SinGanSegActivity.JobImages, due.Count);
            var started = await Tracker.StartAll(due, async (name, attempt) =>
            {
                // Checked before every start, not once per pass: a cancel (or a retry) can land
                // while earlier starts are awaited.
                if (S.IsFinished || S.Images[name].Attempts != attempt || S.Images[name].IsTerminal) return false;
                var work = new ImageWork(JobId, inputs[name], spec.Settings, attempt, S.TraceParent);
                await GrainFactory.GetGrain<IImageModelGrain>(GrainKeys.Image(JobId, name)).Start(work);
                return true;
            }, (name, e) =>
                // No accelerator silo yet, a silo going down...: the next pass tries again.
                logger.LogWarning("job {Job}: could not start {Image}: {Error}", JobId, name, e.Message));
            var at = DateTimeOffset.UtcNow;
            await _state.Apply(s =>
            {
                if (s.IsFinished) return false;
                var marked = started.Count(d => WorkTracker<ImageRecord>.MarkStarted(s.Images[d.Key], d.Attempt, at));
                if (s.Phase == JobPhase.Accepted && marked > 0) s.Phase = JobPhase.Running;
                return marked > 0;
            });
            PublishCounts();
            await TryEnsureListed();
        }
        catch (Exception e)
        {
            // Storage refusing the pass's write, say: the images are started (idempotently) again next pass.
            logger.LogWarning("job {Job}: reconcile pass failed: {Error}", JobId, e.Message);
        }
        finally
        {
            _reconciling.Release();
        }
    }

    /// <summary>
    /// Gathers the per-image outcomes into manifest.jsonl (and the dropped pairs' manifest), starts
    /// the evaluation if asked, writes the dataset card, and marks the job finished — in that order,
    /// each step safe to repeat, so a finish that failed half-way is simply run again.
    /// </summary>
    private async Task Finish()
    {
        var outcomes = await LoadOutcomes();
        var samples = outcomes.SelectMany(o => o.Samples).ToList();
        var manifestKey = ModelKeys.Manifest(JobId);
        await store.PutBytesAsync(manifestKey, DatasetManifest.Build(samples));
        await store.PutBytesAsync(ModelKeys.DroppedManifest(JobId), DatasetManifest.Build(outcomes.SelectMany(o => o.Dropped ?? [])));
        var (evaluationId, evaluationError) = await StartEvaluation(samples);
        evaluationId = S.EvaluationId ?? evaluationId;
        evaluationError = evaluationId is null ? evaluationError : null;
        var phase = S.Images.Values.Any(r => r.Phase != ImagePhase.Done) ? JobPhase.CompletedWithErrors : JobPhase.Completed;
        // Before the job is marked finished, so a card that failed to write is written by the retried finish.
        await WriteCard(Status() with { Phase = phase, EvaluationId = evaluationId, EvaluationError = evaluationError }, outcomes);
        var now = DateTimeOffset.UtcNow;
        await _state.Apply(s =>
        {
            if (s.IsFinished) return false;
            s.ManifestKey = manifestKey;
            s.EvaluationId ??= evaluationId;
            s.EvaluationError = s.EvaluationId is null ? evaluationError : null;
            s.Phase = phase;
            s.FinishedAt = now;
            return true;
        });
        PublishCounts();
        logger.LogInformation("job {Job}: {Phase}, {Samples} samples in {Manifest}", JobId, S.Phase, samples.Count, manifestKey);
        await TryEnsureListed();
        await TryScheduleRetention();
        try
        {
            await this.StopReminder(ReconcileReminder);
        }
        catch (Exception e)
        {
            // The next tick of a finished job unregisters it.
            logger.LogWarning("job {Job}: could not stop its reminder yet: {Error}", JobId, e.Message);
        }
    }

    /// <summary>The finished images' outcomes (samples kept and dropped), in name order.</summary>
    private async Task<List<ImageOutcome>> LoadOutcomes()
    {
        var outcomes = new List<ImageOutcome>();
        foreach (var (name, _) in S.Images.Where(kv => kv.Value.Phase == ImagePhase.Done).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var bytes = await store.GetBytesAsync(ModelKeys.Outcome(JobId, name))
                ?? throw new InvalidOperationException($"job {JobId}: outcome of {name} missing from the artifact store");
            outcomes.Add(JsonSerializer.Deserialize<ImageOutcome>(bytes, Json)!);
        }
        return outcomes;
    }

    private async Task WriteCard(JobStatus status, IReadOnlyList<ImageOutcome> outcomes) =>
        await DatasetCardWriter.WriteAsync(store, _spec ??= await LoadSpec(), status, outcomes, S.Evaluation);

    /// <summary>
    /// The evaluation this job started has finished (it calls back; the job never waits on it, so
    /// the call cannot deadlock): keep its results and write the dataset card again with them.
    /// Another evaluation's report is ignored.
    /// </summary>
    public async Task EvaluationFinished(EvaluationStatus evaluation)
    {
        if (!state.RecordExists || evaluation.EvaluationId != S.EvaluationId) return;
        await _state.Apply(s =>
        {
            s.Evaluation = evaluation;
            return true;
        });
        // A job running again after a retry writes its card when it finishes, with these results.
        if (S.Phase is JobPhase.Completed or JobPhase.CompletedWithErrors) await WriteCard(Status(), await LoadOutcomes());
    }

    /// <summary>
    /// The job's evaluate stage: UNet++ on its real images versus the pairs it made from them.
    /// Submitting the same evaluation again is harmless, which keeps a repeated finish safe.
    /// </summary>
    private async Task<(string? Id, string? Error)> StartEvaluation(IReadOnlyList<SampleRecord> samples)
    {
        var spec = _spec ??= await LoadSpec();
        if (spec.Evaluate is not { } settings) return (null, null);
        if (S.EvaluationId is not null) return (S.EvaluationId, null);
        var evaluation = JobEvaluations.Spec(JobEvaluations.OwnId(JobId), spec, DoneImages(), samples, settings, spec.MaxAttempts);
        try
        {
            await GrainFactory.GetGrain<IEvaluationCoordinatorGrain>(evaluation.EvaluationId).Submit(evaluation);
            return (evaluation.EvaluationId, null);
        }
        catch (Exception e) when (e is ArgumentException or JobConflictException)
        {
            // Too few images left after failures, say: the dataset stands, the report says why there is no evaluation.
            logger.LogWarning("job {Job}: evaluation not started: {Error}", JobId, e.Message);
            return (null, e.Message);
        }
    }

    private HashSet<string> DoneImages() =>
        S.Images.Where(kv => kv.Value.Phase == ImagePhase.Done).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every evaluation of this job's dataset: its own and those asked for later; all are deleted with the job.</summary>
    private List<string> AllEvaluations() => [.. S.Evaluations.Append(S.EvaluationId).OfType<string>().Distinct(StringComparer.Ordinal)];

    public async Task<EvaluationStatus> Evaluate(string? evaluationId, EvaluationSettings settings, int? maxAttempts = null)
    {
        if (!state.RecordExists) throw new KeyNotFoundException($"job '{JobId}' does not exist");
        if (S.IsDeleting) throw new JobNotFinishedException($"job '{JobId}' is being deleted");
        if (S.Phase == JobPhase.Cancelled) throw new JobNotFinishedException($"job '{JobId}' was cancelled and has no dataset to evaluate; submit it again to run it");
        if (!S.IsFinished || S.ManifestKey is null || Tracker.Finishing)
            throw new JobNotFinishedException($"job '{JobId}' is {S.Phase}; its dataset can be evaluated once the job has finished");
        var spec = _spec ??= await LoadSpec();
        var samples = (await LoadOutcomes()).SelectMany(o => o.Samples);
        var evaluation = JobEvaluations.Spec(evaluationId ?? "", spec, DoneImages(), samples, settings, maxAttempts ?? spec.MaxAttempts);
        evaluation = evaluation with { EvaluationId = evaluationId ?? JobEvaluations.DerivedId(evaluation) };
        // Refused before anything is recorded: too few images for the folds, an unknown model...
        EvaluationSettingsMapper.Validate(evaluation);
        var id = evaluation.EvaluationId;
        var grain = GrainFactory.GetGrain<IEvaluationCoordinatorGrain>(id);
        if (AllEvaluations().Contains(id)) return await grain.Submit(evaluation);
        // An id already in use is this job's only if the same evaluation is submitted (its inputs are this job's pairs);
        // anything else is refused by the evaluation, and this job must not delete it with itself.
        if (await EvaluationExists(grain))
        {
            var existing = await grain.Submit(evaluation);
            await RememberEvaluation(id);
            return existing;
        }
        // Remembered before it exists, so a deletion of the job never misses it.
        var adopted = await RememberEvaluation(id);
        try
        {
            var status = await grain.Submit(evaluation);
            logger.LogInformation("job {Job}: evaluation {Evaluation} submitted{Adopted}", JobId, id, adopted ? " (the job's evaluation)" : "");
            return status;
        }
        catch (Exception e) when (e is ArgumentException or JobConflictException)
        {
            await _state.Apply(s =>
            {
                if (adopted && s.EvaluationId == id) s.EvaluationId = null;
                return s.Evaluations.Remove(id) || adopted;
            });
            throw;
        }
    }

    /// <summary>Records an evaluation of the job; a job without an evaluation of its own takes it as its evaluation (true then).</summary>
    private async Task<bool> RememberEvaluation(string id)
    {
        var adopted = false;
        await _state.Apply(s =>
        {
            adopted = s.EvaluationId is null;
            if (adopted)
            {
                s.EvaluationId = id;
                s.EvaluationError = null;
            }
            if (!s.Evaluations.Contains(id)) s.Evaluations.Add(id);
            return true;
        });
        return adopted;
    }

    private static async Task<bool> EvaluationExists(IEvaluationCoordinatorGrain grain)
    {
        try
        {
            await grain.GetStatus();
            return true;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }

    public async Task<JobDeletionReport> Delete(string requestedBy, bool cancelFirst)
    {
        if (!state.RecordExists) return NothingDeleted(requestedBy);
        if (!S.IsDeleting)
        {
            if (!S.IsFinished)
            {
                if (!cancelFirst)
                    throw new JobDeletionException($"job '{JobId}' is {S.Phase}; cancel it first, or delete it with cancel (DELETE /api/jobs/{JobId}?cancel=true, singanseg delete --cancel)");
                await Cancel();
            }
            if (!cancelFirst)
                foreach (var evaluationId in AllEvaluations())
                    if (await EvaluationRunning(evaluationId))
                        throw new JobDeletionException($"job '{JobId}' has its evaluation '{evaluationId}' still running; wait for it, cancel it, or delete with cancel");
            var now = DateTimeOffset.UtcNow;
            // Durable before anything is removed: a deletion cut short is resumed by this reminder or the next activation.
            await this.RegisterOrUpdateReminder(DeleteReminder, options.JobReconcile, options.JobReconcile);
            await _state.Apply(s =>
            {
                if (s.IsDeleting) return false;
                s.DeleteRequestedAt = now;
                s.DeleteRequestedBy = requestedBy;
                return true;
            });
            logger.LogInformation("job {Job}: deletion requested by {Who}", JobId, requestedBy);
        }
        return await RunDeletion() ?? NothingDeleted(requestedBy);
    }

    private async Task<bool> EvaluationRunning(string evaluationId)
    {
        try
        {
            return !(await GrainFactory.GetGrain<IEvaluationCoordinatorGrain>(evaluationId).GetStatus()).IsFinished;
        }
        catch (KeyNotFoundException)
        {
            return false; // remembered, but its submission was refused or never arrived
        }
    }

    private JobDeletionReport NothingDeleted(string requestedBy) => new(JobId, false, requestedBy, DateTimeOffset.UtcNow, 0, [], [], null);

    private async Task ResumeDeletion()
    {
        try
        {
            if (state.RecordExists && S.IsDeleting) await RunDeletion();
            else await this.StopReminder(DeleteReminder);
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job}: deletion not finished yet ({Error}); its reminder tries again", JobId, e.Message);
        }
    }

    /// <summary>
    /// Images first (they stop writing), then the evaluation, the artifacts and models, the listing,
    /// and the job's own state last, so every step before it is found again by a retry.
    /// </summary>
    private async Task<JobDeletionReport?> RunDeletion()
    {
        await _deleting.WaitAsync();
        try
        {
            if (!state.RecordExists || !S.IsDeleting) return null;
            var models = new HashSet<string>(S.Images.Values.Select(r => r.ModelKey).OfType<string>(), StringComparer.Ordinal);
            var names = S.Images.Keys.ToList();
            for (var i = 0; i < names.Count; i += Math.Max(1, options.FanOutConcurrency))
            {
                var known = await Task.WhenAll(names.Skip(i).Take(Math.Max(1, options.FanOutConcurrency))
                    .Select(name => GrainFactory.GetGrain<IImageModelGrain>(GrainKeys.Image(JobId, name)).Forget()));
                models.UnionWith(known.OfType<string>());
            }
            // Before the artifacts go: the spec says whether the job had a segmenter.
            await ForgetSegmenter();
            var evaluations = AllEvaluations();
            foreach (var evaluationId in evaluations) await GrainFactory.GetGrain<IEvaluationCoordinatorGrain>(evaluationId).Delete();
            var report = await JobDeletion.RemoveArtifacts(store, JobId, evaluations, models, S.DeleteRequestedBy ?? "unknown", S.DeleteRequestedAt!.Value,
                new ModelClaims(store, options.ModelClaimTtl, options.ModelClaimPoll), logger);
            // Off the page it knows it is on; the registry walks every page only when that fails (a deletion resumed after this step).
            if (S.ListedPage is not { } listedPage || !await GrainFactory.GetGrain<IJobRegistryPageGrain>(listedPage).Remove(JobId))
                await GrainFactory.GetGrain<IJobRegistryGrain>(0).Unregister(JobId);
            await this.StopReminder(ReconcileReminder);
            await this.StopReminder(RetentionReminder);
            await state.ClearStateAsync();
            state.State = new JobState();
            _live.Clear();
            _spec = null;
            _tracker = null;
            ImageStateCounts.Remove(JobId);
            // Last: if this is lost, the next tick finds no job and stops it.
            await this.StopReminder(DeleteReminder);
            DeactivateOnIdle();
            return report;
        }
        finally
        {
            _deleting.Release();
        }
    }

    public async Task<bool> ScheduleRetention()
    {
        if (!state.RecordExists || !S.IsFinished || S.IsDeleting || options.Retention is null) return false;
        // Already scheduled (by its finish, or an earlier sweep): its tick reads the current period.
        if (await this.GetReminder(RetentionReminder) is not null) return true;
        await TryScheduleRetention();
        return await this.GetReminder(RetentionReminder) is not null;
    }

    /// <summary>With a retention period set, a finished job deletes itself that long after it finished.</summary>
    private async Task TryScheduleRetention()
    {
        if (options.Retention is not { } retention || S.FinishedAt is not { } finished) return;
        try
        {
            var due = finished + retention - DateTimeOffset.UtcNow;
            // Ticks again after a failed deletion; never more often than the reconcile period, at least daily.
            var period = TimeSpan.FromTicks(Math.Clamp(retention.Ticks, options.JobReconcile.Ticks, TimeSpan.FromDays(1).Ticks));
            await this.RegisterOrUpdateReminder(RetentionReminder, due > TimeSpan.Zero ? due : TimeSpan.Zero, period);
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job}: could not schedule its retention deletion yet ({Error})", JobId, e.Message);
        }
    }

    private async Task RetentionTick()
    {
        if (!state.RecordExists || options.Retention is not { } retention || !S.IsFinished && !S.IsDeleting)
        {
            // Deleted, retention switched off, or the job was retried and runs again (its next finish schedules anew).
            await this.StopReminder(RetentionReminder);
            return;
        }
        if (S.FinishedAt + retention > DateTimeOffset.UtcNow && !S.IsDeleting) return;
        try
        {
            await Delete($"retention policy ({options.RetentionDays:0.######} days after the job finished)", cancelFirst: false);
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job}: retention deletion not finished yet ({Error}); tried again at the next tick", JobId, e.Message);
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
        var s = _state.View;
        var images = s.Images.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
        {
            var (name, r) = kv;
            if (!r.IsTerminal && _live.TryGetValue(name, out var live))
                return live with { CompletedScales = Math.Max(live.CompletedScales, r.CompletedScales), Attempts = r.Attempts, Error = r.Error };
            return new ImageProgress(name, r.Phase, r.CompletedScales, r.ScaleCount, Error: r.Error, Attempts: r.Attempts,
                ModelKey: r.ModelKey, Samples: r.Samples, FromCache: r.FromCache, UpdatedAt: r.LastHeard,
                Sifid: r.Sifid, SifidStyled: r.SifidStyled, SifidMetric: r.SifidMetric, Styled: r.Styled, Gates: r.Gates);
        }).ToList();
        return new JobStatus(JobId, s.Phase, images, s.CreatedAt, s.FinishedAt, s.ManifestKey, s.SamplesPerImage, s.Training?.Preset ?? "",
            s.EvaluationId, s.EvaluationError);
    }

    /// <summary>A root: with no explicit parent StartActivity would take whatever Activity.Current the timer runs under.</summary>
    private static ActivityContext NoParent()
    {
        Activity.Current = null;
        return default;
    }

    /// <summary>This job's images by state for the singanseg.images gauge: the recorded phase, or the live one while running.</summary>
    private void PublishCounts() => ImageStateCounts.Publish(JobId, _state.View.Images.Select(kv =>
        !kv.Value.IsTerminal && _live.TryGetValue(kv.Key, out var live) ? live.Phase : kv.Value.Phase));
}
