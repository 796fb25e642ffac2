using Orleans.Concurrency;

namespace SinGanSeg.Abstractions;

/// <summary>One job, keyed by the client-chosen job id: fans out image grains, aggregates their progress, retries, writes the manifest.</summary>
public interface IJobCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Accepts a job; the same spec again returns the current status, a different one for the same id is refused.</summary>
    Task<JobStatus> Submit(JobSpec spec);

    Task<JobStatus> GetStatus();

    Task<JobStatus> Cancel();

    /// <summary>
    /// Runs the failed images (all of them, or the named ones) again, each with a new attempt
    /// number and a fresh retry budget; a finished job goes back to Running and writes its manifest again.
    /// </summary>
    Task<JobStatus> Retry(IReadOnlyList<string>? images = null);

    /// <summary>
    /// An image's live progress (kept in memory). The answer is whether the job still wants the
    /// work: false once the image or the job is cancelled, so an image that missed the cancel stops.
    /// </summary>
    Task<bool> ReportProgress(ImageProgress progress);

    Task ImageFinished(ImageOutcome outcome);

    /// <summary>An image finished a scale and its checkpoint is stored; persisted before returning.</summary>
    Task ScaleCommitted(string image, int completedScales, int scaleCount);

    /// <summary>
    /// Removes the job and everything it stored (inputs, samples, manifest, outcomes, its
    /// evaluation, image and job state, its listing) and the models no other job uses, and keeps
    /// an audit record of who asked. Refused while the job or its evaluation runs unless
    /// <paramref name="cancelFirst"/>. Idempotent: a deletion cut short resumes, a deleted job
    /// answers Existed = false.
    /// </summary>
    Task<JobDeletionReport> Delete(string requestedBy, bool cancelFirst);

    /// <summary>
    /// With a retention period set (SinGanSeg:RetentionDays), makes sure a finished job's deletion is
    /// scheduled: a job that finished before the period was set has none. True when it is (or
    /// already was); false for a job that is not finished, or without a period. Idempotent.
    /// </summary>
    Task<bool> ScheduleRetention();

    /// <summary>The job's evaluation finished: the results are kept and the dataset card is written again with them.</summary>
    Task EvaluationFinished(EvaluationStatus evaluation);

    /// <summary>
    /// Starts an evaluation of the finished job's dataset (its real images against the pairs it
    /// kept), as the job's own evaluate stage does. <paramref name="evaluationId"/> null: an id
    /// derived from the job and the evaluation, so asking again returns the same evaluation. The
    /// job remembers it (its deletion deletes it too); a job without an evaluation of its own
    /// takes it as its evaluation (status and dataset card). Refused while the job runs or was
    /// cancelled (<c>JobNotFinishedException</c>), for bad settings (ArgumentException) and for an
    /// id taken by a different evaluation (<c>JobConflictException</c>).
    /// </summary>
    Task<EvaluationStatus> Evaluate(string? evaluationId, EvaluationSettings settings, int? maxAttempts = null);
}

/// <summary>One training image of one job ("{jobId}/{imageName}"): trains scale by scale, checkpoints, generates samples.</summary>
public interface IImageModelGrain : IGrainWithStringKey
{
    /// <summary>Starts (or continues) the work; idempotent for the same attempt; refused (ignored) once cancelled.</summary>
    Task Start(ImageWork work);

    /// <summary>Stops the work and records the cancel, also when no work has arrived yet, so a later Start is refused.</summary>
    Task Cancel();

    Task<ImageProgress> GetProgress();

    /// <summary>The image's event log, oldest first (state changes, retries, failures with reasons).</summary>
    Task<IReadOnlyList<ImageEvent>> GetEvents();

    /// <summary>Called by the training thread once a scale's checkpoint is stored: records it durably, here and in the job.</summary>
    Task ScaleCommitted(int completedScales, int scaleCount);

    /// <summary>
    /// Part of deleting the job: stops any run, stops the reminder and clears the stored state
    /// (event log included). Returns the model it trained or used, if it knew one, so the job can
    /// delete that too when no other job uses it.
    /// </summary>
    Task<string?> Forget();
}

/// <summary>
/// The mask agreement gate's segmenter for one job (key: the job id): trained once, on a dedicated
/// thread of a silo that runs images, from up to 50 of the job's real pairs, and stored in the
/// artifact store under a digest of those pairs and its settings, so the images of the job load the
/// same one on every silo and a restarted silo reuses it instead of training again. No grain state.
/// </summary>
public interface IJobSegmenterGrain : IGrainWithStringKey
{
    /// <summary>
    /// The stored segmenter's artifact key, or null while it is being trained (ask again). The
    /// first call starts the training; a failed training is thrown to the caller that finds it, and
    /// the next call starts again.
    /// </summary>
    Task<string?> Segmenter();

    /// <summary>
    /// The job was cancelled: a training in progress stops at its next step and stores nothing.
    /// Returns once it has ended (or after a 10 s grace, if it does not), so a deletion that follows
    /// finds nothing still being written. Later asks are refused until <see cref="Forget"/>.
    /// </summary>
    Task Stop();

    /// <summary>The job is deleted: the activation goes, and with it the stop (a new job may take the id).</summary>
    Task Forget();
}

/// <summary>The list of known jobs (key 0): an index of pages, so it grows without bound.</summary>
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Lists the job, or updates its listing when it is already listed on the page new jobs go
    /// to; returns the page it is on (the job updates its listing there directly afterwards).
    /// </summary>
    Task<int> Register(JobListing listing);

    /// <summary>
    /// Newest first, at most <paramref name="limit"/> of the jobs in one of <paramref name="phases"/>
    /// (all when null or empty); pass the answer's continuation for the next ones.
    /// </summary>
    Task<JobListingPage> List(int limit, string? continuation = null, JobPhase[]? phases = null);

    /// <summary>Takes a deleted job off the list (nothing happens when it is not listed).</summary>
    Task Unregister(string jobId);
}

/// <summary>One page of the registry (key: its number, from 0), holding jobs in the order they were registered.</summary>
public interface IJobRegistryPageGrain : IGrainWithIntegerKey
{
    /// <summary>Adds the job unless the page is full (false); true also when it is already here.</summary>
    Task<bool> Add(JobListing listing, int capacity);

    /// <summary>The page's listings in registration order.</summary>
    Task<IReadOnlyList<JobListing>> Entries();

    /// <summary>Removes the job's listing; false when it is not on this page.</summary>
    Task<bool> Remove(string jobId);

    /// <summary>Replaces the job's listing (its phase and counts); false when it is not on this page.</summary>
    Task<bool> Update(JobListing listing);
}

/// <summary>
/// Which keys (a job's phase, an evaluation's job) each page of a list holds, one bit mask per page
/// (key: the list, "jobs" or "evaluations"). A page widens its mask before it stores a listing and
/// sets it exactly after, so a mask never misses what its page holds; a filtered listing reads only
/// the pages whose mask matches. Called by pages and registries, it calls nothing itself.
/// </summary>
public interface IListingMaskGrain : IGrainWithStringKey
{
    /// <summary>The masks by page number; a page past the end, or marked -1, is not known (read it).</summary>
    Task<long[]> Masks();

    /// <summary>Adds <paramref name="bits"/> to the page's mask (before the page stores a listing with them).</summary>
    Task Widen(int page, long bits);

    /// <summary>The page's exact mask (after it stored a change).</summary>
    Task Set(int page, long mask);
}

[GenerateSerializer, Immutable]
/// <summary>
/// A job in the list: its phase and image counts as of its last phase change (the API replaces
/// the counts of unfinished jobs with live ones).
/// </summary>
public sealed record JobListing(
    [property: Id(0)] string JobId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] JobPhase? Phase = null,
    [property: Id(3)] int Total = 0,
    [property: Id(4)] int Done = 0,
    [property: Id(5)] int Failed = 0);

/// <summary>A slice of the job list; Continuation is null after the oldest job.</summary>
[GenerateSerializer, Immutable]
public sealed record JobListingPage([property: Id(0)] IReadOnlyList<JobListing> Jobs, [property: Id(1)] string? Continuation);

public static class GrainKeys
{
    public static string Image(string jobId, string imageName) => $"{jobId}/{imageName}";
}
