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

    [OneWay]
    Task ReportProgress(ImageProgress progress);

    Task ImageFinished(ImageOutcome outcome);

    /// <summary>An image finished a scale and its checkpoint is stored; persisted before returning.</summary>
    Task ScaleCommitted(string image, int completedScales, int scaleCount);
}

/// <summary>One training image of one job ("{jobId}/{imageName}"): trains scale by scale, checkpoints, generates samples.</summary>
public interface IImageModelGrain : IGrainWithStringKey
{
    /// <summary>Starts (or continues) the work; idempotent for the same attempt.</summary>
    Task Start(ImageWork work);

    Task Cancel();

    Task<ImageProgress> GetProgress();

    /// <summary>The image's event log, oldest first (state changes, retries, failures with reasons).</summary>
    Task<IReadOnlyList<ImageEvent>> GetEvents();

    /// <summary>Called by the training thread once a scale's checkpoint is stored: records it durably, here and in the job.</summary>
    Task ScaleCommitted(int completedScales, int scaleCount);
}

/// <summary>The list of known jobs (a single instance, key 0), for listing.</summary>
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    Task Register(string jobId, DateTimeOffset createdAt);

    Task<IReadOnlyList<JobListing>> List();
}

[GenerateSerializer, Immutable]
public sealed record JobListing([property: Id(0)] string JobId, [property: Id(1)] DateTimeOffset CreatedAt);

public static class GrainKeys
{
    public static string Image(string jobId, string imageName) => $"{jobId}/{imageName}";
}
