using Npgsql;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Storage;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>The on-premises backend losing a silo: a real PostgreSQL server and a real shared folder, as FaultTests does on Azurite.</summary>
public class PostgresFaultTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Killing_the_silo_that_trains_an_image_loses_no_work_on_postgres()
    {
        var connection = await postgres.CreateDatabaseAsync("fault");
        var artifacts = TestData.NewTempDir("shared-artifacts");
        await using var cluster = await PostgresTestCluster.StartAsync(connection, artifacts, "pgfault", "gpu", "gpu", "gpu");
        var pairs = TestCluster.Pairs(3, skip: 3);
        const string jobId = "pgfault";
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
        // Fewer iterations than the Azure fault test: each scale still takes long enough to be caught mid-way.
        await job.Submit(TestCluster.Job(jobId, pairs, iterations: 20, samples: 2));

        var found = await TestCluster.WaitForImageAt(cluster, jobId,
            TestCluster.BetweenScales,
            TimeSpan.FromMinutes(8), TimeSpan.FromMilliseconds(100));
        if (found is null)
            Assert.Fail("no image reached a second scale in time: " +
                string.Join("; ", (await job.GetStatus()).Images.Select(i =>
                    $"{i.Name} {i.Phase} on {i.Silo}: scale {i.CompletedScales}/{i.ScaleCount}, iteration {i.Iteration}/{i.Iterations} at {i.IterationsPerSecond:F2} it/s {i.Error}")));
        var (victim, victimSilo) = (found!.Value.Image.Name, found.Value.Silo);
        // Reminders (the job's reconcile, each image's keep-alive) are rows in PostgreSQL.
        Assert.True(await CountAsync(connection, "SELECT count(*) FROM orleansreminderstable") >= 2);
        var killedAt = DateTime.UtcNow;
        output.WriteLine($"killing {victimSilo} while it trains {victim}");
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress == victimSilo));

        var history = new List<int>();
        // Generous limits: they only matter when something is wrong, and a machine shared with
        // other builds can be many times slower than CI.
        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(10), s =>
            history.Add(s.Images.Single(i => i.Name == victim).CompletedScales));
        output.WriteLine($"{victim} completed-scale counts after the kill: {string.Join(",", history.Distinct())}; job ended {DateTime.UtcNow - killedAt:g} after it");
        Assert.Equal(JobPhase.Completed, final.Phase);
        Assert.All(final.Images, i => Assert.Equal(ImagePhase.Done, i.Phase));
        Assert.DoesNotContain(0, history);

        // Membership is the PostgreSQL table: the killed silo is recorded dead (Orleans' status 6) there.
        Assert.Equal(6, await CountAsync(connection,
            $"SELECT status FROM orleansmembershiptable WHERE address = '{victimSilo.Endpoint.Address}' AND port = {victimSilo.Endpoint.Port} AND generation = {victimSilo.Generation}"));
        Assert.True(await CountAsync(connection, "SELECT count(*) FROM orleansstorage") >= 1 + pairs.Count);

        // Every expected artifact exactly once in the shared folder, and nothing else.
        var store = new SharedFolderArtifactStore(artifacts);
        var keys = await store.ListAllAsync("");
        var samples = keys.Where(k => k.StartsWith($"jobs/{jobId}/images/", StringComparison.Ordinal)).ToList();
        var expected = pairs.SelectMany(p => Enumerable.Range(0, 2).Select(i => $"jobs/{jobId}/images/{p}_seed5_{i:D4}.png")).Order().ToList();
        Assert.Equal(expected, samples.Order());
        Assert.Equal(expected.Select(k => k.Replace("/images/", "/masks/")), keys.Where(k => k.StartsWith($"jobs/{jobId}/masks/", StringComparison.Ordinal)).Order());
        Assert.Contains($"jobs/{jobId}/manifest.jsonl", keys);
        foreach (var image in final.Images)
        {
            var scaleKeys = keys.Where(k => k.StartsWith($"models/{image.ModelKey}/scales/", StringComparison.Ordinal) && k.EndsWith("/netG.pth", StringComparison.Ordinal)).ToList();
            Assert.Equal(image.ScaleCount, scaleKeys.Count);
        }
        // The killed image resumed: its first scale was written before the kill and never again.
        var victimModel = final.Images.Single(i => i.Name == victim).ModelKey;
        var firstScale = File.GetLastWriteTimeUtc(store.PathOf($"models/{victimModel}/scales/0/netG.pth"));
        Assert.True(firstScale < killedAt, $"scale 0 of {victim} was rewritten at {firstScale:O} after the kill at {killedAt:O}");
        var manifest = await File.ReadAllLinesAsync(store.PathOf($"jobs/{jobId}/manifest.jsonl"));
        Assert.Equal(6, manifest.Count(l => l.Length > 0));
    }

    private static async Task<long> CountAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
