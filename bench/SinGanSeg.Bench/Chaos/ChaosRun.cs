using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Bench.Chaos;

/// <summary>A fault or client action of the schedule, when it fired (seconds from the start), and what it hit.</summary>
public sealed record ChaosEvent(double At, string Kind, string Detail);

/// <summary>
/// The chaos harness (issue 11): a multi-silo Orleans cluster (in-process TestCluster) on a real
/// Azurite process runs a main job, a job sharing its model keys and a job that gets cancelled,
/// while a seeded schedule hard-stops silos (and starts new ones), stops Azurite for 10–30 s, lets
/// <see cref="StorageFaultPolicy"/> fail table and blob requests, and churns as a client would
/// (cancel, retry of failed images, resubmission). Then <see cref="StoreInvariants"/> checks the
/// store itself. Faults fire at seeded points of the main job's progress, so the schedule holds on a
/// fast machine and a slow one alike.
/// </summary>
public sealed class ChaosRun(ChaosOptions options, Action<string> log)
{
    private readonly Stopwatch _clock = new();
    private readonly List<ChaosEvent> _events = [];
    private readonly Lock _eventsLock = new();

    private void Record(string kind, string detail)
    {
        var e = new ChaosEvent(Math.Round(_clock.Elapsed.TotalSeconds, 1), kind, detail);
        lock (_eventsLock) _events.Add(e);
        log($"[{e.At,7:F1}s] {kind}: {detail}");
    }

    public async Task<ChaosResult> RunAsync(string repoRoot)
    {
        var work = options.WorkDirectory;
        Directory.CreateDirectory(work);
        var random = new Random(options.Seed);
        var workload = ChaosWorkload.Create(options, Path.Combine(work, "data"));
        var policy = new StorageFaultPolicy(options.Seed, options.FaultShare, options.FaultsPerKind, TimeSpan.FromSeconds(2));
        await using var azurite = new AzuriteProcess(AzuriteProcess.FindExecutable(repoRoot), Path.Combine(work, "azurite"));
        await azurite.StartAsync();
        var prefix = $"Chaos{options.Seed}x{Guid.NewGuid():N}"[..20];
        var computeTicks = 0L;
        using var listener = ComputeListener(v => Interlocked.Add(ref computeTicks, (long)(v * 1e6)));

        var builder = new InProcessTestClusterBuilder((short)options.Silos);
        builder.ConfigureSilo((silo, siloBuilder) =>
        {
            siloBuilder.AddSinGanSeg(SiloOptions(azurite.ConnectionString, prefix, Path.Combine(work, "scratch", silo.SiloName)));
            siloBuilder.Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = TimeSpan.FromSeconds(3));
            siloBuilder.Services.AddSingleton(new AzureClientPolicy(policy));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var silosStarted = options.Silos;
        try
        {
            _clock.Start();
            var client = cluster.Client;
            var main = client.GetGrain<IJobCoordinatorGrain>(workload.Main.JobId);
            await Client("submit", workload.Main.JobId, () => main.Submit(workload.Main));
            var cancelled = client.GetGrain<IJobCoordinatorGrain>(workload.Cancelled.JobId);
            await Client("submit", workload.Cancelled.JobId, () => cancelled.Submit(workload.Cancelled));
            var shared = client.GetGrain<IJobCoordinatorGrain>(workload.Shared.JobId);

            // The schedule: each action fires once the main job has finished this share of its images.
            var schedule = new List<(double At, string Kind, Func<Task> Act)>();
            for (var i = 0; i < options.SiloKills; i++)
                schedule.Add((0.08 + 0.67 * random.NextDouble(), "silo-kill", async () =>
                {
                    var victims = cluster.Silos.Skip(1).ToList(); // never the first (primary) silo
                    if (victims.Count == 0) return;
                    var victim = victims[random.Next(victims.Count)];
                    Record("silo-kill", $"{victim.Name} {victim.SiloAddress} (hard stop)");
                    await cluster.KillSiloAsync(victim);
                    await Task.Delay(TimeSpan.FromSeconds(2 + random.Next(4)));
                    var fresh = await cluster.StartAdditionalSiloAsync();
                    silosStarted++;
                    Record("silo-start", $"{fresh.Name} {fresh.SiloAddress}");
                }));
            for (var i = 0; i < options.Outages; i++)
            {
                var length = options.OutageMin + (options.OutageMax - options.OutageMin) * random.NextDouble();
                schedule.Add((0.12 + 0.6 * random.NextDouble(), "storage-outage", async () =>
                {
                    Record("storage-outage", $"Azurite stopped (SIGTERM) for {length.TotalSeconds:F0} s");
                    await azurite.StopAsync();
                    await Task.Delay(length);
                    await azurite.StartAsync();
                    Record("storage-back", "Azurite started again on its data");
                }));
            }
            schedule.Add((0, "cancel", async () =>
            {
                // Cancel while the job's work is under way: once one of its images trains (or a minute passed).
                var until = _clock.Elapsed + TimeSpan.FromMinutes(1);
                while (_clock.Elapsed < until && (await Poll(cancelled))?.Images.Any(i => i.Phase is ImagePhase.Training or ImagePhase.Done) != true)
                    await Task.Delay(200);
                await Client("cancel", workload.Cancelled.JobId, cancelled.Cancel);
            }));
            schedule.Add((0.2 + 0.2 * random.NextDouble(), "submit-shared", () => Client("submit", workload.Shared.JobId, () => shared.Submit(workload.Shared))));
            schedule.Add((0.3 + 0.3 * random.NextDouble(), "resubmit", () => Client("resubmit", workload.Main.JobId, () => main.Submit(workload.Main))));
            schedule.Add((0.5 + 0.2 * random.NextDouble(), "retry-failed", () => Client("retry", workload.Main.JobId, () => main.Retry(null))));
            schedule.Sort((a, b) => a.At.CompareTo(b.At));
            foreach (var s in schedule) log($"scheduled at {s.At:P0} of the main job: {s.Kind}");

            policy.Armed = true;
            Record("faults-armed", $"share {options.FaultShare:P1} of table and blob requests, up to {options.FaultsPerKind} per kind");
            var next = 0;
            var stalled = new List<string>();
            // A main job that stops progressing must not hold the harness forever: past this point
            // the rest of the schedule fires at once and the terminal bound decides.
            var scheduleDeadline = _clock.Elapsed + options.TerminalBound * 3;
            while (next < schedule.Count || policy.Armed)
            {
                if (_clock.Elapsed > scheduleDeadline && stalled.Count == 0)
                {
                    stalled.Add($"main job still short of {schedule.ElementAtOrDefault(next).At:P0} done {options.TerminalBound.TotalMinutes * 3:F0} min into the run");
                    Record("schedule-forced", stalled[0]);
                }
                var status = await Poll(main);
                var done = status is null ? 0 : (double)status.Images.Count(i => i.Phase is ImagePhase.Done or ImagePhase.Failed) / Math.Max(1, status.Images.Count);
                if (policy.Armed && (policy.Exhausted || done >= 0.85 || status?.IsFinished == true || stalled.Count > 0))
                {
                    policy.Armed = false;
                    Record("faults-disarmed", string.Join(", ", Enum.GetValues<StorageFaultKind>().Select(k => $"{k} {policy.Injected(k)}")));
                }
                if (next < schedule.Count && (done >= schedule[next].At || status?.IsFinished == true || stalled.Count > 0))
                {
                    await schedule[next].Act();
                    next++;
                    continue;
                }
                await Task.Delay(250);
            }
            var lastFault = _clock.Elapsed;
            var lastStorageFault = policy.Faults.LastOrDefault()?.At;
            log($"last fault at {lastFault.TotalSeconds:F1} s; waiting for every job to end (bound {options.TerminalBound.TotalMinutes:F0} min)");

            var jobs = new[] { main, shared, cancelled };
            var finals = new Dictionary<string, JobStatus>();
            var deadline = _clock.Elapsed + options.TerminalBound;
            var violations = new List<string>(stalled);
            foreach (var job in jobs)
            {
                var final = await WaitEnd(job, deadline);
                if (final is null) violations.Add($"job {job.GetPrimaryKeyString()} not terminal {options.TerminalBound.TotalMinutes:F0} min after the last fault: {Describe(await Poll(job))}");
                else finals[final.JobId] = final;
            }
            // One more client retry of the main job's failures after it ended: the planted bad inputs fail again, the manifest is rewritten.
            if (finals.TryGetValue(workload.Main.JobId, out var ended) && ended.Images.Any(i => i.Phase == ImagePhase.Failed))
            {
                await Client("retry-after-end", workload.Main.JobId, () => main.Retry(null));
                var again = await WaitEnd(main, _clock.Elapsed + options.TerminalBound);
                if (again is null) violations.Add($"main job not terminal again after the retry of its failed images: {Describe(await Poll(main))}");
                else finals[again.JobId] = again;
            }
            var allTerminal = _clock.Elapsed;
            Record("all-terminal", string.Join(", ", finals.Values.Select(f => $"{f.JobId} {f.Phase}")));

            var check = await StoreInvariants.CheckAsync(azurite.ConnectionString, prefix.ToLowerInvariant(), workload, finals, policy, options);
            violations.AddRange(check.Violations);
            var wall = _clock.Elapsed;
            var faults = Enum.GetValues<StorageFaultKind>().ToDictionary(k => k.ToString(), k => policy.Injected(k));
            var result = new ChaosResult(options.Seed, options.Silos, silosStarted, finals.Count, workload.Main.Images.Count + workload.Shared.Images.Count + workload.Cancelled.Images.Count,
                options.SiloKills, options.Outages, faults, check.Lost, check.Duplicated, check.ScalesRedone, check.ScalesCommitted, check.Reused,
                Math.Round((allTerminal - lastFault).TotalSeconds, 1), lastStorageFault is { } lsf ? lsf.ToString("O") : null,
                Math.Round(wall.TotalSeconds, 1), Math.Round(Interlocked.Read(ref computeTicks) / 1e6, 1),
                finals.Values.Select(f => $"{f.JobId}: {f.Phase}, {f.Images.Count(i => i.Phase == ImagePhase.Done)} done, {f.Images.Count(i => i.Phase == ImagePhase.Failed)} failed, {f.Images.Count(i => i.Phase == ImagePhase.Cancelled)} cancelled").ToList(),
                violations, [.. _events], [.. policy.Faults.TakeLast(20)], DateTimeOffset.UtcNow);
            if (violations.Count > 0) log(result.Replay());
            return result;
        }
        finally
        {
            policy.Armed = false;
            try
            {
                if (!azurite.Running) await azurite.StartAsync();
                await cluster.StopAllSilosAsync();
            }
            catch (Exception e)
            {
                log($"cluster stop: {e.GetType().Name}: {e.Message}");
            }
            await cluster.DisposeAsync();
        }
    }

    public static SinGanSegOptions SiloOptions(string connection, string prefix, string scratch) => new()
    {
        Storage = StorageMode.Azure,
        AzureConnectionString = connection,
        BlobContainer = prefix.ToLowerInvariant(),
        TablePrefix = prefix,
        ScratchDirectory = scratch,
        Device = "cpu",
        Slots = 1,
        Accelerator = "cpu",
        AcceptImageGrains = true,
        ImageKeepAlive = TimeSpan.FromSeconds(3),
        JobReconcile = TimeSpan.FromSeconds(3),
        RetryBaseDelay = TimeSpan.FromSeconds(1),
        ProgressInterval = TimeSpan.FromMilliseconds(500),
        StaleImageAfter = TimeSpan.FromSeconds(45),
        SampleBatchSize = 4,
        ModelClaimTtl = TimeSpan.FromSeconds(8),
        ModelClaimPoll = TimeSpan.FromMilliseconds(500),
        DeactivationWait = TimeSpan.FromSeconds(5),
    };

    /// <summary>A client call retried until it goes through, as a client facing an unavailable service would.</summary>
    private async Task Client(string action, string jobId, Func<Task> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                Record($"client-{action}", $"{jobId}{(attempt > 1 ? $" (after {attempt - 1} failed tries)" : "")}");
                return;
            }
            catch (Exception e) when (IsAnswer(e))
            {
                // The job answered (nothing failed to retry, say): a decision to record, not a fault to ride out.
                Record($"client-{action}-refused", $"{jobId}: {e.Message.Split('\n')[0]}");
                return;
            }
            catch (Exception e) when (attempt < 60)
            {
                log($"client {action} {jobId} failed ({e.GetType().Name}: {e.Message.Split('\n')[0]}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static bool IsAnswer(Exception e) =>
        e is Grains.Jobs.JobRetryException or Grains.Jobs.JobConflictException or KeyNotFoundException or ArgumentException;

    private static async Task<JobStatus?> Poll(IJobCoordinatorGrain job)
    {
        try
        {
            return await job.GetStatus();
        }
        catch (Exception)
        {
            return null; // the job's silo may be gone or its storage down: look again
        }
    }

    /// <summary>
    /// Polls until the job ends or the deadline passes, and always at least once: the jobs share one
    /// deadline, and a job looked at only after another used up the bound must still be seen.
    /// </summary>
    private async Task<JobStatus?> WaitEnd(IJobCoordinatorGrain job, TimeSpan deadline)
    {
        while (true)
        {
            if (await Poll(job) is { IsFinished: true } s) return s;
            if (_clock.Elapsed >= deadline) return null;
            await Task.Delay(500);
        }
    }

    /// <summary>A job that did not end, in enough detail to tell a stuck image from a slow machine.</summary>
    private static string Describe(JobStatus? status) => status is null
        ? "its status could not be read"
        : $"phase {status.Phase}; images " + string.Join(", ", status.Images.GroupBy(i => i.Phase).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))
          + "; unfinished: " + string.Join("; ", status.Images.Where(i => !i.IsTerminal).Take(6).Select(i =>
              $"{i.Name} {i.Phase} scale {i.CompletedScales}/{i.ScaleCount} attempt {i.Attempts} on {i.Silo ?? "no silo"}, updated {i.UpdatedAt:HH:mm:ss}{(i.Error is { } e ? $" ({e.Split('\n')[0]})" : "")}"));

    private static MeterListener ComputeListener(Action<double> onCompute)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SinGanSegMetrics.MeterName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == SinGanSegMetrics.ComputeSeconds.Name) onCompute(value);
        });
        listener.Start();
        return listener;
    }
}
