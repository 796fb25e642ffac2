using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Core.Tests;

/// <summary>An in-process Orleans cluster wired like production, on Azurite, with short timers so faults resolve in seconds.</summary>
public static class TestCluster
{
    /// <param name="accelerators">One entry per silo: "gpu", "cpu" (takes images) or "cpu-only" (refuses them).</param>
    public static Task<InProcessTestCluster> StartAsync(Azurite azurite, string name, params string[] accelerators) =>
        StartAsync(azurite, name, o => o, accelerators);

    /// <param name="configure">Changes every silo's options (after the test defaults).</param>
    public static Task<InProcessTestCluster> StartAsync(Azurite azurite, string name, Func<SinGanSegOptions, SinGanSegOptions> configure, params string[] accelerators) =>
        StartAsync(azurite, name, configure, (_, _) => { }, accelerators);

    /// <param name="configureSilo">Extra wiring per silo (by silo name), e.g. an <c>AzureClientPolicy</c> that injects storage faults.</param>
    public static async Task<InProcessTestCluster> StartAsync(Azurite azurite, string name, Func<SinGanSegOptions, SinGanSegOptions> configure,
        Action<string, ISiloBuilder> configureSilo, params string[] accelerators)
    {
        var builder = new InProcessTestClusterBuilder((short)accelerators.Length);
        var prefix = "T" + new string(name.Where(char.IsLetterOrDigit).ToArray()) + Guid.NewGuid().ToString("N")[..6];
        builder.ConfigureSilo((silo, siloBuilder) =>
        {
            var index = silo.SiloName == "Primary" ? 0 : int.Parse(silo.SiloName.Split('_')[^1]);
            var role = accelerators[index];
            siloBuilder.AddSinGanSeg(configure(Options(azurite, prefix, silo.SiloName) with
            {
                Accelerator = role == "gpu" ? "gpu" : "cpu",
                AcceptImageGrains = role == "cpu",
            }));
            siloBuilder.Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = TimeSpan.FromSeconds(3));
            configureSilo(silo.SiloName, siloBuilder);
            if (Environment.GetEnvironmentVariable("SINGANSEG_TEST_LOG") is { } log)
                siloBuilder.Services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new DebugFileLogger(log, silo.SiloName));
        });
        // The test process stands in for the API: its calls carry its trace into the silos.
        builder.ConfigureClient(client => client.AddActivityPropagation());
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static SinGanSegOptions Options(Azurite azurite, string prefix, string silo) => Defaults(prefix, silo) with
    {
        Storage = StorageMode.Azure,
        AzureConnectionString = azurite.ConnectionString,
        BlobContainer = prefix.ToLowerInvariant(),
        TablePrefix = prefix,
    };

    /// <summary>The test timings and sizes every backend's clusters share.</summary>
    public static SinGanSegOptions Defaults(string prefix, string silo) => new()
    {
        ScratchDirectory = TestData.TempPath(prefix, silo),
        Device = "cpu",
        Slots = 1,
        ImageKeepAlive = TimeSpan.FromSeconds(2),
        JobReconcile = TimeSpan.FromSeconds(2),
        RetryBaseDelay = TimeSpan.FromSeconds(1),
        ProgressInterval = TimeSpan.FromMilliseconds(200),
        StaleImageAfter = TimeSpan.FromSeconds(30),
        ModelClaimTtl = TimeSpan.FromSeconds(6),
        ModelClaimPoll = TimeSpan.FromMilliseconds(300),
        DeactivationWait = TimeSpan.FromSeconds(5),
        SampleBatchSize = 4,
        StyleBatchSize = 2,
    };

    public static JobSpec Job(string id, IEnumerable<string> pairs, int iterations = 2, int samples = 2, int maxAttempts = 3) =>
        new(id, [.. pairs.Select(p => new ImageInput(p, new Uri(TestData.PolypImage(p)).AbsoluteUri, new Uri(TestData.PolypMask(p)).AbsoluteUri))],
            new TrainingOptions("tiny", Iterations: iterations), samples, 5, MaxAttempts: maxAttempts);

    public static async Task<JobStatus> WaitForEnd(IJobCoordinatorGrain job, TimeSpan timeout, Action<JobStatus>? onPoll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await job.GetStatus();
            onPoll?.Invoke(status);
            if (status.IsFinished) return status;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"job {status.JobId} still {status.Phase} after {timeout}: " +
                    string.Join("; ", status.Images.Select(i => $"{i.Name} {i.Phase} {i.CompletedScales}/{i.ScaleCount} {i.Error}")));
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Polls the job until one of its images matches <paramref name="when"/> while active on a
    /// silo, and returns it with that silo (null if none did in time): the image a fault test
    /// takes its silo away from.
    /// </summary>
    public static async Task<(ImageProgress Image, Orleans.Runtime.SiloAddress Silo)?> WaitForImageAt(
        InProcessTestCluster cluster, string jobId, Func<ImageProgress, bool> when, TimeSpan timeout, TimeSpan poll)
    {
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var image in (await job.GetStatus()).Images.Where(when))
            {
                var id = cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image(jobId, image.Name)).GetGrainId();
                if (cluster.TryGetGrainContext(id, out var ctx) && ctx.Address.SiloAddress is { } silo) return (image, silo);
            }
            await Task.Delay(poll);
        }
        return null;
    }

    /// <summary>Training, with a scale stored and another to come: an image whose loss now tests a resume.</summary>
    public static bool BetweenScales(ImageProgress i) =>
        i.Phase == ImagePhase.Training && i.CompletedScales >= 1 && i.CompletedScales < i.ScaleCount;

    /// <summary>Collects the grains' activations (forced), so the next call reads each from storage again, as a silo taking over would.</summary>
    public static async Task CollectActivations(InProcessTestCluster cluster, params Orleans.Runtime.GrainId[] grains)
    {
        var management = cluster.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (grains.Any(g => cluster.TryGetGrainContext(g, out _)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the activations were not collected within a minute");
            await management.ForceActivationCollection(TimeSpan.Zero);
            await Task.Delay(200);
        }
    }

    /// <summary>The first 'count' pairs of the shared Kvasir-SEG set, by name.</summary>
    public static List<string> Pairs(int count, int skip = 0) =>
        [.. Directory.GetFiles(Path.Combine(TestData.Polyps, "images"), "*.jpg").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).Skip(skip).Take(count)];
}
