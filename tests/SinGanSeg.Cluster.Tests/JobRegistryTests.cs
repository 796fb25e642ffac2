using SinGanSeg.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>The job list in pages: many jobs, listed newest first a slice at a time, each once.</summary>
public class JobRegistryTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Many_jobs_in_small_pages_list_newest_first_each_once()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "registry", o => o with { RegistryPageSize = 3 }, "cpu-only");
        var registry = cluster.Client.GetGrain<IJobRegistryGrain>(0);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 20).Select(i => $"job-{i:D2}").ToList();
        // Every third job completed, the rest running.
        JobPhase PhaseOf(int i) => i % 3 == 0 ? JobPhase.Completed : JobPhase.Running;
        foreach (var (id, i) in ids.Select((id, i) => (id, i))) await registry.Register(new JobListing(id, t0.AddMinutes(i), PhaseOf(i), 10));
        // A resubmission registers again: still listed once.
        await registry.Register(new JobListing("job-19", t0.AddMinutes(19), JobPhase.Running, 10));
        await registry.Register(new JobListing("job-18", t0.AddMinutes(18), JobPhase.Completed, 10));

        var listed = new List<string>();
        string? continuation = null;
        var slices = 0;
        do
        {
            var page = await registry.List(4, continuation);
            Assert.True(page.Jobs.Count <= 4);
            listed.AddRange(page.Jobs.Select(j => j.JobId));
            continuation = page.Continuation;
            slices++;
        } while (continuation is not null && slices < 20);
        Assert.Equal(ids.AsEnumerable().Reverse(), listed);
        Assert.Equal(5, slices);

        // Seven pages of three hold them: no page grew past its size.
        for (var p = 0; p < 7; p++) Assert.InRange((await cluster.Client.GetGrain<IJobRegistryPageGrain>(p).Entries()).Count, 1, 3);
        Assert.Empty(await cluster.Client.GetGrain<IJobRegistryPageGrain>(7).Entries());

        // A limit larger than what is left ends the list; a made-up continuation (or one of the
        // earlier "page:skip" form) is refused. "1.2": page 1's first two entries, then older pages.
        var rest = await registry.List(100, "1.2");
        Assert.Equal(["job-04", "job-03", "job-02", "job-01", "job-00"], rest.Jobs.Select(j => j.JobId));
        Assert.Null(rest.Continuation);
        await Assert.ThrowsAsync<ArgumentException>(() => registry.List(5, "99.0"));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.List(5, "1:1"));

        // By phase, a slice at a time: job-18 moved to Completed when registered again; its page updates in place.
        var completed = new List<string>();
        continuation = null;
        do
        {
            var page = await registry.List(2, continuation, [JobPhase.Completed]);
            Assert.All(page.Jobs, j => Assert.Equal(JobPhase.Completed, j.Phase));
            completed.AddRange(page.Jobs.Select(j => j.JobId));
            continuation = page.Continuation;
        } while (continuation is not null);
        Assert.Equal(["job-18", "job-15", "job-12", "job-09", "job-06", "job-03", "job-00"], completed);
        Assert.True(await cluster.Client.GetGrain<IJobRegistryPageGrain>(6).Update(new JobListing("job-18", t0, JobPhase.Cancelled, 10, 4, 1)));
        var cancelled = Assert.Single((await registry.List(10, null, [JobPhase.Cancelled, JobPhase.CompletedWithErrors])).Jobs);
        Assert.Equal(("job-18", t0.AddMinutes(18), 4, 1), (cancelled.JobId, cancelled.CreatedAt, cancelled.Done, cancelled.Failed));
    }
}
