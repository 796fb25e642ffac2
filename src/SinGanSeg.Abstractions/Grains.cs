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

    /// <summary>The job's evaluation finished: the results are kept and the dataset card is written again with them.</summary>
    Task EvaluationFinished(EvaluationStatus evaluation);
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
}

/// <summary>The list of known jobs (key 0): an index of pages, so it grows without bound.</summary>
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Lists the job (once: registering it again changes nothing).</summary>
    Task Register(string jobId, DateTimeOffset createdAt);

    /// <summary>Newest first, at most <paramref name="limit"/>; pass the answer's continuation for the next ones.</summary>
    Task<JobListingPage> List(int limit, string? continuation = null);
}

/// <summary>One page of the registry (key: its number, from 0), holding jobs in the order they were registered.</summary>
public interface IJobRegistryPageGrain : IGrainWithIntegerKey
{
    /// <summary>Adds the job unless the page is full (false); true also when it is already here.</summary>
    Task<bool> Add(JobListing listing, int capacity);

    /// <summary>The page's listings in registration order.</summary>
    Task<IReadOnlyList<JobListing>> Entries();
}

[GenerateSerializer, Immutable]
public sealed record JobListing([property: Id(0)] string JobId, [property: Id(1)] DateTimeOffset CreatedAt);

/// <summary>A slice of the job list; Continuation is null after the oldest job.</summary>
[GenerateSerializer, Immutable]
public sealed record JobListingPage([property: Id(0)] IReadOnlyList<JobListing> Jobs, [property: Id(1)] string? Continuation);

public static class GrainKeys
{
    public static string Image(string jobId, string imageName) => $"{jobId}/{imageName}";
}
