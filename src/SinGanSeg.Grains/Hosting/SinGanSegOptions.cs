using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Grains.Hosting;

public enum StorageMode
{
    /// <summary>One process, everything on local disk under <see cref="SinGanSegOptions.StateDirectory"/>.</summary>
    Embedded,

    /// <summary>Azure Table grain state and reminders, Azure Blob artifacts (Azurite locally).</summary>
    Azure,

    /// <summary>
    /// On premises: PostgreSQL membership, grain state and reminders; artifacts on a folder every
    /// silo mounts (a ReadWriteMany volume), see <see cref="SinGanSegOptions.ArtifactDirectory"/>.
    /// </summary>
    Postgres,
}

/// <summary>Everything a silo of this system is configured with; immutable, set once at start.</summary>
public sealed record SinGanSegOptions
{
    public StorageMode Storage { get; init; } = StorageMode.Embedded;

    /// <summary>Embedded mode: grain state, reminders and artifacts live here.</summary>
    public string StateDirectory { get; init; } = "singanseg-state";

    public string? AzureConnectionString { get; init; }
    public string BlobContainer { get; init; } = "singanseg";
    public string TablePrefix { get; init; } = "SinGanSeg";

    /// <summary>Postgres mode: the database.</summary>
    public PostgresOptions Postgres { get; init; } = new();

    /// <summary>Postgres mode: the shared folder (the same volume on every silo) artifacts live in.</summary>
    public string? ArtifactDirectory { get; init; }

    /// <summary>Where image grains keep their working copies (one folder per activation).</summary>
    public string ScratchDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "singanseg-scratch");

    /// <summary>"gpu" or "cpu"; advertised as silo metadata and used by placement.</summary>
    public string Accelerator { get; init; } = "cpu";

    /// <summary>Whether a CPU silo takes image grains when the cluster has no GPU silo (the embedded default and CI do).</summary>
    public bool AcceptImageGrains { get; init; }

    /// <summary>Torch device for image grains: cpu, cuda, cuda:N, cuda:all (every GPU of the pod) or auto.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Concurrent trainings per device (per GPU with cuda:all); torch CPU threads are cores ÷ all slots.</summary>
    public int Slots { get; init; } = 1;

    public TimeSpan ImageKeepAlive { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan JobReconcile { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest backoff between attempts (infrastructure failures are retried for as long as they last, at most this far apart).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Listings per page of the job and evaluation lists. A page is one grain state, rewritten
    /// whole on every registration and phase change of its listings, so it is kept small (about
    /// 10 KB at 100); a filter skips the pages whose mask shows no match. Pages stored full at an
    /// earlier, larger size stay as they are (new listings go to new pages).
    /// </summary>
    public int RegistryPageSize { get; init; } = 100;
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An unfinished image silent this long is started again by its job (a safety net behind its own reminder).</summary>
    public TimeSpan StaleImageAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Days a finished (or cancelled) job is kept before it is deleted with everything it stored;
    /// null keeps jobs until someone deletes them. Medical data should not outlive its purpose.
    /// </summary>
    public double? RetentionDays { get; init; }

    public TimeSpan? Retention => RetentionDays is { } days ? TimeSpan.FromDays(days) : null;

    /// <summary>
    /// Lease of a model's one-writer claim: renewed every third of it while training; a writer that
    /// died holds the model this long at most before a waiting image takes over.
    /// </summary>
    public TimeSpan ModelClaimTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an image whose model another writer holds waits between looks.</summary>
    public TimeSpan ModelClaimPoll { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an image grain's deactivation waits for its cancelled run to stop writing.</summary>
    public TimeSpan DeactivationWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A working image (training, generating, checking, styling, scoring; not while it waits for
    /// a slot or a model claim) that reports no progress this long is stopped and its attempt
    /// counted as failed ("stalled"), so the job retries it or, after its attempts, reports it;
    /// zero turns the watch off. Progress comes at least once per iteration or sample, so the
    /// default leaves a paper-size CPU iteration (≈ 20 s) a wide margin.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long stopped work may ignore its cancellation (a thread blocked in a driver or a call
    /// without timeout) before the executor gives its thread up and starts a new one for the slot.
    /// </summary>
    public TimeSpan StuckRunGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many image grains a job starts at once while fanning out.</summary>
    public int FanOutConcurrency { get; init; } = 64;

    public ImageLimits ImageLimits { get; init; } = ImageLimits.Default;

    /// <summary>ImageNet weight files on this silo for the networks that do not ship with SinGanSeg.</summary>
    public FeatureWeights Weights { get; init; } = new();

    /// <summary>Samples of one image restyled together (they share the style image; memory grows with it).</summary>
    public int StyleBatchSize { get; init; } = 8;

    /// <summary>
    /// The mask agreement gate's segmenter (a plain U-Net, 64 px, 300 steps, up to 50 real pairs;
    /// docs/QUALITY.md). Every silo of a cluster must use the same: its fingerprint is part of the
    /// stored segmenter's key, and a segmenter trained with other settings is refused on loading.
    /// </summary>
    public MaskAgreementConfig MaskAgreement { get; init; } = new();

    /// <summary>Samples per forward pass when generating.</summary>
    public int SampleBatchSize { get; init; } = 8;

    /// <summary>
    /// On a graceful stop, how long running trainings may take to finish and checkpoint their
    /// current scale before the silo goes (zero: stop at once and resume from the last checkpoint).
    /// A pod's termination grace period must be longer.
    /// </summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.Zero;

    public SinGanSegOptions Validated()
    {
        if (Slots < 1) throw new ArgumentException("slots must be at least 1");
        if (Accelerator is not ("gpu" or "cpu")) throw new ArgumentException($"accelerator '{Accelerator}' must be gpu or cpu");
        if (Storage == StorageMode.Azure && string.IsNullOrWhiteSpace(AzureConnectionString))
            throw new ArgumentException("Azure storage mode needs a connection string (SinGanSeg:AzureConnectionString)");
        if (ModelClaimTtl < TimeSpan.FromSeconds(1) || ModelClaimPoll <= TimeSpan.Zero) throw new ArgumentException("model claim TTL must be at least 1 s and its poll positive");
        if (Storage == StorageMode.Postgres && string.IsNullOrWhiteSpace(Postgres.ConnectionString))
            throw new ArgumentException("Postgres storage mode needs a connection string (SinGanSeg:Postgres:ConnectionString)");
        if (Storage == StorageMode.Postgres && string.IsNullOrWhiteSpace(ArtifactDirectory))
            throw new ArgumentException("Postgres storage mode needs the shared artifact folder every silo mounts (SinGanSeg:ArtifactDirectory)");
        if (ShutdownGrace < TimeSpan.Zero) throw new ArgumentException("shutdown grace must not be negative");
        if (StallTimeout < TimeSpan.Zero) throw new ArgumentException("stall timeout must not be negative (zero turns the watch off)");
        if (StuckRunGrace <= TimeSpan.Zero) throw new ArgumentException("stuck-run grace must be positive");
        if (RetentionDays is <= 0) throw new ArgumentException("retention days must be positive (leave it unset to keep jobs until deleted)");
        if (RegistryPageSize < 1) throw new ArgumentException("the registry page size must be at least 1");
        if (FanOutConcurrency < 1 || SampleBatchSize < 1) throw new ArgumentException("fan-out concurrency and sample batch size must be at least 1");
        return this;
    }
}
