using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Issue 15: the job list stays fast with 10 000 jobs. The listings are registered through the
/// registry's own grain interface (as job coordinators do; no job starts, nothing trains), then
/// the whole list is paged through and filtered by phase. "Fast" is asserted as cost, not time:
/// the grain calls one page request makes are counted and must not depend on how many jobs exist;
/// a rare phase reads only the pages that hold it; the bytes each registration writes to grain
/// storage are bounded by the page size, not by the job count; and a walk ends with its last match
/// (no continuation whose answer is empty).
/// </summary>
public sealed class JobListingScaleTests(ITestOutputHelper output)
{
    private const int JobCount = 10_000;
    private const int Limit = 50;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Most jobs finished, some running or failed; Accepted is rare (a job leaves it within seconds).</summary>
    private static JobPhase PhaseOf(int i) => i % 1000 == 999 ? JobPhase.Accepted : (i % 20) switch
    {
        < 10 => JobPhase.Completed,
        < 14 => JobPhase.Running,
        < 17 => JobPhase.CompletedWithErrors,
        _ => JobPhase.Cancelled,
    };

    private static JobListing ListingOf(int i)
    {
        var total = 1 + i % 13;
        var failed = PhaseOf(i) == JobPhase.CompletedWithErrors ? 1 : 0;
        var done = PhaseOf(i) is JobPhase.Completed or JobPhase.CompletedWithErrors ? total - failed : i % total;
        return new JobListing($"job-{i:D5}", T0.AddSeconds(i), PhaseOf(i), total, done, failed);
    }

    [Fact]
    public async Task Ten_thousand_jobs_page_and_filter_at_a_cost_that_does_not_grow_with_the_job_count()
    {
        var calls = new CallLog();
        var storage = new MeasuredStorage();
        var state = Directory.CreateTempSubdirectory("singanseg-listing-scale-").FullName;
        var cluster = Cluster(state, calls, storage);
        try
        {
            await cluster.DeployAsync();
            var registry = cluster.Client.GetGrain<IJobRegistryGrain>(0);
            var pageSize = new SinGanSegOptions().RegistryPageSize;

            // A tenth of the jobs first: what a page request costs then is the baseline.
            var clock = Stopwatch.StartNew();
            await Register(registry, 0, JobCount / 10, pageSize, new TimeSpan[4]);
            var smallWrites = storage.TakeWrites();
            var smallCosts = await PageThrough(registry, JobCount / 10, calls);
            storage.TakeWrites();
            var byFill = new TimeSpan[4];
            await Register(registry, JobCount / 10, JobCount, pageSize, byFill);
            var registering = clock.Elapsed;
            var writes = storage.TakeWrites();
            output.WriteLine($"registered {JobCount} jobs in {registering.TotalSeconds:F1} s ({registering.TotalMilliseconds / JobCount:F2} ms each)");
            // Each registration rewrites its page's state, so it costs more the fuller the page is: pages are small (100).
            var perQuarter = (JobCount - JobCount / 10) / byFill.Length;
            output.WriteLine("ms per registration by page fill (quarters): " + string.Join(", ", byFill.Select(t => (t.TotalMilliseconds / perQuarter).ToString("F2"))));
            output.WriteLine("grain calls so far: " + string.Join(", ", calls.ByMethod.OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key} {kv.Value}")));

            // Registering only listed jobs: no coordinator, image or other grain of this system was called.
            var ours = typeof(IJobRegistryGrain).Assembly.GetTypes().Where(t => t.IsInterface && typeof(IGrain).IsAssignableFrom(t)).Select(t => t.Name).ToHashSet();
            Assert.Equal(new HashSet<string> { nameof(IJobRegistryGrain), nameof(IJobRegistryPageGrain), nameof(IListingMaskGrain) }, calls.Interfaces.Select(ShortName).Where(ours.Contains).ToHashSet());

            // What a registration writes is bounded by the page size, with 1 000 jobs or 10 000: its page
            // (at most pageSize listings), the page masks a few times per page (a phase new to the page),
            // the index when a page fills.
            var listingBytes = Enumerable.Range(0, JobCount).Max(i => JsonSerializer.SerializeToUtf8Bytes(ListingOf(i)).Length);
            foreach (var (label, list, count) in new[] { ("1 000 jobs", smallWrites, JobCount / 10), ("10 000 jobs", writes, JobCount - JobCount / 10) })
            {
                var pageWrites = list.Where(w => w.StateName == "jobs-page").ToList();
                var maskWrites = list.Where(w => w.StateName == "listing-masks").ToList();
                output.WriteLine($"{label}: {list.Sum(w => w.Bytes) / count} bytes written per registration; page state max {pageWrites.Max(w => w.Bytes)} bytes " +
                    $"({pageWrites.Count} writes), page masks {maskWrites.Count} writes of at most {maskWrites.Max(w => w.Bytes)} bytes");
                Assert.Equal(count, pageWrites.Count);
                Assert.InRange(pageWrites.Max(w => w.Bytes), 1, (pageSize * listingBytes) + 100);
                Assert.InRange(maskWrites.Count, 1, count / 10);
                Assert.InRange(maskWrites.Max(w => w.Bytes), 1, (JobCount / pageSize * 21) + 100);
                Assert.InRange(list.Count, count, count + (count / 5));
            }
            // On average no more than with a tenth of the jobs (the same page fills, the same masks; 10 % for the longer mask list).
            Assert.InRange(writes.Sum(w => w.Bytes) / (double)(JobCount - JobCount / 10), 1, 1.1 * smallWrites.Sum(w => w.Bytes) / (JobCount / 10));
            // ... and the state was kept in memory, not in the embedded mode's grain files.
            Assert.False(Directory.Exists(Path.Combine(state, "grains")) && Directory.EnumerateFileSystemEntries(Path.Combine(state, "grains")).Any());

            // Everything, newest first, each once, in pages of the limit, with its counts.
            clock.Restart();
            var costs = await PageThrough(registry, JobCount, calls);
            output.WriteLine($"paged through {JobCount} jobs in {costs.Count} requests in {clock.Elapsed.TotalSeconds:F1} s");

            // One page request is one registry call, one read of the page masks and one or two page reads, with 1 000 jobs or 10 000.
            foreach (var (label, list) in new[] { ("1 000 jobs", smallCosts), ("10 000 jobs", costs) })
            {
                output.WriteLine($"{label}: calls per page request max {list.Max(c => c.Calls)}, page grains read max {list.Max(c => c.Pages)}");
                Assert.All(list, c => Assert.Equal(1, c.RegistryCalls));
                Assert.All(list, c => Assert.InRange(c.Pages, 1, 2));
                // Besides those only a page's mask report, should its activation have been collected meanwhile.
                Assert.All(list, c => Assert.InRange(c.Calls, 2 + c.Pages, 2 + 2 * c.Pages));
            }
            Assert.Equal(smallCosts.Max(c => c.Pages), costs.Max(c => c.Pages));

            // By phase: exact counts, newest first, only that phase; a common phase costs the same
            // bounded reads per request: the pages that hold one slice of its jobs.
            foreach (var phases in new JobPhase[][] { [JobPhase.Completed], [JobPhase.Running, JobPhase.CompletedWithErrors], [JobPhase.Cancelled] })
            {
                clock.Restart();
                var (listed, phaseCosts) = await Filter(registry, phases, calls);
                var expected = Enumerable.Range(0, JobCount).Where(i => phases.Contains(PhaseOf(i))).Reverse().Select(i => $"job-{i:D5}").ToList();
                output.WriteLine($"{string.Join('+', phases)}: {listed.Count} jobs in {phaseCosts.Count} requests in {clock.Elapsed.TotalSeconds:F1} s; " +
                    $"page grains read per request max {phaseCosts.Max(c => c.Pages)}");
                Assert.Equal(expected.Count, listed.Count);
                Assert.Equal(expected, listed.Select(j => j.JobId));
                Assert.All(listed, j => Assert.Contains(j.Phase!.Value, phases));
                // No continuation whose answer is empty: as many requests as slices.
                Assert.Equal((expected.Count + Limit - 1) / Limit, phaseCosts.Count);
                var fewestPerPage = Enumerable.Range(0, JobCount / pageSize).Min(p => Enumerable.Range(p * pageSize, pageSize).Count(i => phases.Contains(PhaseOf(i))));
                Assert.All(phaseCosts, c => Assert.InRange(c.Pages, 1, ((Limit + fewestPerPage - 1) / fewestPerPage) + 1));
            }
            Assert.Equal(5_000, Enumerable.Range(0, JobCount).Count(i => PhaseOf(i) == JobPhase.Completed));

            // A rare phase: its few jobs are spread over the list, and a request reads only the pages
            // that hold them (the page masks say which), not the other 90 of 100.
            var acceptedIds = Enumerable.Range(0, JobCount).Where(i => PhaseOf(i) == JobPhase.Accepted).Reverse().ToList();
            var holding = acceptedIds.Select(i => i / pageSize).Distinct().Count();
            var (accepted, acceptedCosts) = await Filter(registry, [JobPhase.Accepted], calls);
            Assert.Equal(acceptedIds.Select(i => $"job-{i:D5}"), accepted.Select(j => j.JobId));
            var cost = Assert.Single(acceptedCosts);
            output.WriteLine($"Accepted: {accepted.Count} jobs in one request reading {cost.Pages} page grains ({JobCount / pageSize} pages of {pageSize}, {holding} hold it)");
            Assert.Equal(holding, cost.Pages);
            // In slices of 3: each request reads the pages of its slice (3), none reads a page without a match.
            var (slices, sliceCosts) = await Filter(registry, [JobPhase.Accepted], calls, limit: 3);
            Assert.Equal(accepted, slices);
            Assert.Equal((accepted.Count + 2) / 3, sliceCosts.Count);
            Assert.Equal(holding, sliceCosts.Sum(c => c.Pages));
            Assert.All(sliceCosts, c => Assert.InRange(c.Pages, 1, 3));

            // A phase no job is in: the masks alone answer, no page is read.
            var (none, noneCosts) = await Filter(registry, [(JobPhase)40], calls);
            Assert.Empty(none);
            Assert.Equal(0, Assert.Single(noneCosts).Pages);
        }
        finally
        {
            await cluster.DisposeAsync();
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>One silo with grain state in <paramref name="storage"/> and every incoming grain call in <paramref name="calls"/>.</summary>
    private static InProcessTestCluster Cluster(string state, CallLog calls, MeasuredStorage storage, int? pageSize = null)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((silo, siloBuilder) =>
        {
            var options = TestCluster.Defaults("Tlistingscale", silo.SiloName) with
            {
                Storage = StorageMode.Embedded,
                StateDirectory = state,
                ScratchDirectory = Path.Combine(state, "scratch"),
                AcceptImageGrains = false,
            };
            siloBuilder.AddSinGanSeg(pageSize is { } size ? options with { RegistryPageSize = size } : options);
            // Grain state in memory instead of files, serialized to measure what each write stores (the keyed storage registered last is the one used).
            siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Grains, storage);
            siloBuilder.AddIncomingGrainCallFilter(context =>
            {
                calls.Record(context.InterfaceName, context.MethodName, context.TargetId.ToString());
                return context.Invoke();
            });
        });
        return builder.Build();
    }

    /// <summary>
    /// State stored before this change still lists: a page filled at the old, larger size (here 10
    /// on a list of pages of 3) whose mask is not known (as for every page stored before the masks).
    /// It is read by every listing until it activates again, then skipped when it holds no match.
    /// </summary>
    [Fact]
    public async Task Pages_stored_before_the_masks_and_at_a_larger_size_still_list()
    {
        var calls = new CallLog();
        var state = Directory.CreateTempSubdirectory("singanseg-listing-legacy-").FullName;
        var cluster = Cluster(state, calls, new MeasuredStorage(), pageSize: 3);
        try
        {
            await cluster.DeployAsync();
            var grains = cluster.Client;
            // The old page 0: ten completed jobs, its mask unknown.
            for (var i = 0; i < 10; i++) Assert.True(await grains.GetGrain<IJobRegistryPageGrain>(0).Add(ListingOf(i) with { Phase = JobPhase.Completed }, 10));
            await grains.GetGrain<IListingMaskGrain>("jobs").Set(0, -1);
            await TestCluster.CollectActivations(cluster, grains.GetGrain<IJobRegistryPageGrain>(0).GetGrainId());
            var registry = grains.GetGrain<IJobRegistryGrain>(0);
            // New jobs go to new pages of three.
            for (var i = 10; i < 17; i++) Assert.Equal(1 + (i - 10) / 3, await registry.Register(ListingOf(i) with { Phase = i == 11 ? JobPhase.Running : JobPhase.Completed }));

            var all = new List<string>();
            string? continuation = null;
            do
            {
                var page = await registry.List(4, continuation);
                all.AddRange(page.Jobs.Select(j => j.JobId));
                continuation = page.Continuation;
            } while (continuation is not null);
            Assert.Equal(Enumerable.Range(0, 17).Reverse().Select(i => $"job-{i:D5}"), all);

            // Running: one job, on page 1. Page 0 has activated again since (the walk above) and told its mask: not read.
            calls.Start();
            var running = await registry.List(10, null, [JobPhase.Running]);
            var cost = calls.Stop();
            Assert.Equal("job-00011", Assert.Single(running.Jobs).JobId);
            Assert.Null(running.Continuation);
            Assert.Equal(1, cost.Pages);
            Assert.Equal(1L << (int)JobPhase.Completed, (await grains.GetGrain<IListingMaskGrain>("jobs").Masks())[0]);
        }
        finally
        {
            await cluster.DisposeAsync();
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// Registers jobs [from, to) one after another, as their coordinators would on submission;
    /// adds each registration's time to <paramref name="byFill"/> by how full its page was (quarters).
    /// </summary>
    private static async Task Register(IJobRegistryGrain registry, int from, int to, int pageSize, TimeSpan[] byFill)
    {
        var clock = Stopwatch.StartNew();
        for (var i = from; i < to; i++)
        {
            var started = clock.Elapsed;
            await registry.Register(ListingOf(i));
            byFill[i % pageSize * byFill.Length / pageSize] += clock.Elapsed - started;
        }
    }

    /// <summary>Lists every job in slices of <see cref="Limit"/>, checking order, slice sizes and counts; the cost of each request.</summary>
    private static async Task<List<RequestCost>> PageThrough(IJobRegistryGrain registry, int jobCount, CallLog calls)
    {
        var costs = new List<RequestCost>();
        var seen = new HashSet<string>();
        var next = jobCount - 1;
        string? continuation = null;
        do
        {
            calls.Start();
            var page = await registry.List(Limit, continuation);
            costs.Add(calls.Stop());
            Assert.Equal(Math.Min(Limit, next + 1), page.Jobs.Count);
            foreach (var job in page.Jobs)
            {
                Assert.True(seen.Add(job.JobId), $"{job.JobId} listed twice");
                // Newest first, with the phase and counts it was registered with.
                Assert.Equal(ListingOf(next--), job);
            }
            continuation = page.Continuation;
            Assert.True(costs.Count <= jobCount / Limit + 1, "the continuation does not end");
        } while (continuation is not null);
        Assert.Equal(-1, next);
        Assert.Equal(jobCount, seen.Count);
        Assert.Equal(jobCount / Limit, costs.Count);
        return costs;
    }

    private static async Task<(List<JobListing> Jobs, List<RequestCost> Costs)> Filter(IJobRegistryGrain registry, JobPhase[] phases, CallLog calls, int limit = Limit)
    {
        var jobs = new List<JobListing>();
        var costs = new List<RequestCost>();
        string? continuation = null;
        do
        {
            calls.Start();
            var page = await registry.List(limit, continuation, phases);
            costs.Add(calls.Stop());
            // Full slices, and a continuation only when more follow: an empty answer only for an empty list.
            Assert.InRange(page.Jobs.Count, page.Continuation is null ? (costs.Count == 1 ? 0 : 1) : limit, limit);
            jobs.AddRange(page.Jobs);
            continuation = page.Continuation;
            Assert.True(costs.Count <= JobCount / Limit + 1, "the continuation does not end");
        } while (continuation is not null);
        return (jobs, costs);
    }

    private static string ShortName(string interfaceName) => interfaceName.Split('.')[^1];

    /// <summary>
    /// Grain storage in memory that stores each state as JSON (as the table and SQL stores do) with
    /// ETags, and records how many bytes each write stored under which state name.
    /// </summary>
    private sealed class MeasuredStorage : IGrainStorage
    {
        private readonly ConcurrentDictionary<string, (byte[] Json, string ETag)> _states = new();
        private ConcurrentQueue<(string StateName, int Bytes)> _writes = new();

        public List<(string StateName, int Bytes)> TakeWrites() => [.. Interlocked.Exchange(ref _writes, new())];

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (_states.TryGetValue($"{stateName}/{grainId}", out var stored))
                (grainState.State, grainState.ETag, grainState.RecordExists) = (JsonSerializer.Deserialize<T>(stored.Json)!, stored.ETag, true);
            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var key = $"{stateName}/{grainId}";
            var json = JsonSerializer.SerializeToUtf8Bytes(grainState.State);
            var etag = Guid.NewGuid().ToString("N");
            var current = _states.TryGetValue(key, out var stored) ? stored.ETag : null;
            if (current != grainState.ETag) throw new InconsistentStateException($"ETag {grainState.ETag} is not {current}", current, grainState.ETag);
            _states[key] = (json, etag);
            (grainState.ETag, grainState.RecordExists) = (etag, true);
            _writes.Enqueue((stateName, json.Length));
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _states.TryRemove($"{stateName}/{grainId}", out _);
            (grainState.ETag, grainState.RecordExists) = (null, false);
            return Task.CompletedTask;
        }
    }

    /// <summary>What one list request cost: all grain calls, calls to the registry, distinct page grains read.</summary>
    private sealed record RequestCost(int Calls, int RegistryCalls, int Pages);

    /// <summary>Every incoming grain call in the silo; between Start and Stop also the calls of one request (nothing else runs then).</summary>
    private sealed class CallLog
    {
        private readonly ConcurrentDictionary<string, byte> _interfaces = new();
        private ConcurrentQueue<(string Interface, string Method, string Target)>? _request;

        public ICollection<string> Interfaces => _interfaces.Keys;

        public ConcurrentDictionary<string, int> ByMethod { get; } = new();

        public void Record(string interfaceName, string method, string target)
        {
            ByMethod.AddOrUpdate(ShortName(interfaceName) + "." + method, 1, (_, n) => n + 1);
            _interfaces.TryAdd(interfaceName, 0);
            _request?.Enqueue((interfaceName, method, target));
        }

        public void Start() => _request = new();

        public RequestCost Stop()
        {
            var request = Interlocked.Exchange(ref _request, null)!.ToList();
            return new RequestCost(
                request.Count,
                request.Count(c => ShortName(c.Interface) == nameof(IJobRegistryGrain)),
                request.Where(c => ShortName(c.Interface) == nameof(IJobRegistryPageGrain) && c.Method == nameof(IJobRegistryPageGrain.Entries)).Select(c => c.Target).Distinct().Count());
        }
    }
}
