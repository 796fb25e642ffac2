using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Jobs;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Medical data must be deletable: after a job is deleted nothing of it is left in the store —
/// every blob and every table entity is listed and searched for it — except the audit record of
/// who asked. Models another job still uses stay until that job goes too.
/// </summary>
public class DeletionTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Deleting_a_job_leaves_nothing_of_it_in_the_store_but_keeps_models_another_job_uses()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "deletion", "cpu");
        var options = Options(cluster);
        var pairs = TestCluster.Pairs(2, skip: 80);
        var (own, shared) = (pairs[0], pairs[1]);
        var a = cluster.Client.GetGrain<IJobCoordinatorGrain>("del-a");
        var b = cluster.Client.GetGrain<IJobCoordinatorGrain>("keep-b");
        await a.Submit(TestCluster.Job("del-a", pairs, iterations: 2, samples: 1));
        var doneA = await TestCluster.WaitForEnd(a, TimeSpan.FromMinutes(3));
        // Same image, settings and seed: job B reuses A's model of the shared image.
        await b.Submit(TestCluster.Job("keep-b", [shared], iterations: 2, samples: 1));
        var doneB = await TestCluster.WaitForEnd(b, TimeSpan.FromMinutes(3));
        Assert.Equal(JobPhase.Completed, doneA.Phase);
        Assert.Equal(JobPhase.Completed, doneB.Phase);
        var ownModel = doneA.Images.Single(i => i.Name == own).ModelKey!;
        var sharedModel = doneA.Images.Single(i => i.Name == shared).ModelKey!;
        Assert.Equal(sharedModel, doneB.Images.Single().ModelKey);
        Assert.Contains((await Everything(options)).Blobs, k => k.StartsWith("jobs/del-a/", StringComparison.Ordinal));

        var report = await a.Delete("test user", cancelFirst: false);
        Assert.True(report.Existed);
        Assert.Equal([ownModel], report.ModelsDeleted);
        Assert.Equal([sharedModel], report.ModelsKept);

        var left = await Everything(options);
        output.WriteLine(string.Join("\n", left.Blobs));
        // Only the audit record names the deleted job; nothing names its own model or its private image.
        Assert.Equal([report.AuditKey], left.Blobs.Where(k => k.Contains("del-a", StringComparison.Ordinal)));
        Assert.DoesNotContain(left.Blobs, k => k.Contains(ownModel, StringComparison.Ordinal) || k.Contains(own, StringComparison.Ordinal));
        var mentions = left.Entities.Where(e => e.Contains("del-a", StringComparison.Ordinal) || e.Contains(own, StringComparison.Ordinal)).ToList();
        Assert.True(mentions.Count == 0, "table entities still naming the deleted job or its image:\n" + string.Join("\n", mentions));
        Assert.Contains(left.Blobs, k => k.StartsWith($"models/{sharedModel}/", StringComparison.Ordinal));
        var audit = await Blob(options, report.AuditKey!);
        Assert.Contains("test user", audit);
        Assert.DoesNotContain(own, audit);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => a.GetStatus());
        Assert.False((await a.Delete("test user", cancelFirst: false)).Existed);
        Assert.DoesNotContain((await cluster.Client.GetGrain<IJobRegistryGrain>(0).List(10)).Jobs, j => j.JobId == "del-a");
        // Job B is whole: its samples and model are still there.
        Assert.Equal(JobPhase.Completed, (await b.GetStatus()).Phase);

        var second = await b.Delete("test user", cancelFirst: false);
        Assert.Equal([sharedModel], second.ModelsDeleted);
        var none = await Everything(options);
        Assert.All(none.Blobs, k => Assert.StartsWith("audit/deletions/", k));
        var stillNamed = none.Entities.Where(e => e.Contains("keep-b", StringComparison.Ordinal) || pairs.Any(p => e.Contains(p, StringComparison.Ordinal))).ToList();
        Assert.True(stillNamed.Count == 0, "table entities still naming a deleted job or image:\n" + string.Join("\n", stillNamed));
    }

    [Fact]
    public async Task A_running_job_is_deleted_only_when_asked_to_cancel_and_retention_deletes_finished_jobs_by_itself()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "retention", o => o with { RetentionDays = 8 / 86400.0 }, "cpu");
        var options = Options(cluster);
        var running = cluster.Client.GetGrain<IJobCoordinatorGrain>("running");
        await running.Submit(TestCluster.Job("running", TestCluster.Pairs(1, skip: 90), iterations: 5000, samples: 1));
        await TestCluster.WaitForImageAt(cluster, "running", i => i.Phase == ImagePhase.Training, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(200));
        var refused = await Assert.ThrowsAsync<JobDeletionException>(() => running.Delete("test user", cancelFirst: false));
        Assert.Contains("cancel", refused.Message);
        Assert.True((await running.Delete("test user", cancelFirst: true)).Existed);
        Assert.DoesNotContain((await Everything(options)).Blobs, k => k.Contains("running", StringComparison.Ordinal) && !k.StartsWith("audit/", StringComparison.Ordinal));

        var finished = cluster.Client.GetGrain<IJobCoordinatorGrain>("expires");
        await finished.Submit(TestCluster.Job("expires", TestCluster.Pairs(1, skip: 91), iterations: 2, samples: 1));
        var done = await TestCluster.WaitForEnd(finished, TimeSpan.FromMinutes(3));
        Assert.Equal(JobPhase.Completed, done.Phase);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await Exists(finished))
        {
            Assert.True(DateTime.UtcNow < deadline, "the finished job was not deleted within a minute of its 8-second retention");
            await Task.Delay(500);
        }
        var audit = (await Everything(options)).Blobs.Single(k => k.StartsWith("audit/deletions/", StringComparison.Ordinal) && k.EndsWith("-expires.json", StringComparison.Ordinal));
        Assert.Contains("retention policy", await Blob(options, audit));
        Assert.DoesNotContain((await Everything(options)).Blobs, k => k.StartsWith("jobs/expires/", StringComparison.Ordinal));
    }

    private static async Task<bool> Exists(IJobCoordinatorGrain job)
    {
        try
        {
            await job.GetStatus();
            return true;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }

    private static SinGanSegOptions Options(Orleans.TestingHost.InProcessTestCluster cluster) =>
        (SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(SinGanSegOptions))!;

    private async Task<string> Blob(SinGanSegOptions options, string key) =>
        (await new BlobContainerClient(azurite.ConnectionString, options.BlobContainer).GetBlobClient(key).DownloadContentAsync()).Value.Content.ToString();

    /// <summary>Every blob key of the cluster's container, and every table entity of its tables as text (keys and values, binary data decoded).</summary>
    private async Task<(List<string> Blobs, List<string> Entities)> Everything(SinGanSegOptions options)
    {
        var blobs = new List<string>();
        await foreach (var blob in new BlobContainerClient(azurite.ConnectionString, options.BlobContainer).GetBlobsAsync())
            blobs.Add(blob.Name);
        var entities = new List<string>();
        var service = new TableServiceClient(azurite.ConnectionString);
        await foreach (var table in service.QueryAsync())
        {
            if (!table.Name.StartsWith(options.TablePrefix, StringComparison.Ordinal)) continue;
            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
                entities.Add($"{table.Name}: " + string.Join(" ", entity.Select(kv => $"{kv.Key}={(kv.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : kv.Value)}")));
        }
        return (blobs, entities);
    }
}
