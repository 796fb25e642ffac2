using Azure.Storage.Blobs;
using Orleans.Runtime;
using SinGanSeg.Abstractions;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

public class FaultTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Killing_the_silo_that_trains_an_image_loses_no_work()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "fault", "gpu", "gpu", "gpu");
        var pairs = TestCluster.Pairs(3, skip: 3);
        const string jobId = "fault";
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
        await job.Submit(TestCluster.Job(jobId, pairs, iterations: 40, samples: 2));

        // Wait for an image that has finished a scale and is training the next, on a silo we may kill.
        var found = await TestCluster.WaitForImageAt(cluster, jobId,
            TestCluster.BetweenScales,
            TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(100));
        Assert.True(found is not null, "no image reached a second scale in time");
        var (victim, victimSilo) = (found!.Value.Image.Name, found.Value.Silo);
        var killedAt = DateTimeOffset.UtcNow;
        var handle = cluster.Silos.Single(s => s.SiloAddress == victimSilo);
        output.WriteLine($"killing {victimSilo} while it trains {victim}");
        await cluster.KillSiloAsync(handle);

        var history = new List<int>();
        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(4), s =>
            history.Add(s.Images.Single(i => i.Name == victim).CompletedScales));
        output.WriteLine($"{victim} completed-scale counts after the kill: {string.Join(",", history.Distinct())}");
        Assert.Equal(JobPhase.Completed, final.Phase);
        Assert.All(final.Images, i => Assert.Equal(ImagePhase.Done, i.Phase));
        Assert.DoesNotContain(0, history);

        // Every expected artifact exactly once, nothing else: samples, checkpoints, manifest.
        var container = new BlobContainerClient(azurite.ConnectionString, ContainerOf(cluster));
        var keys = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None))
            keys.Add(blob.Name);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        var samples = keys.Where(k => k.StartsWith($"jobs/{jobId}/images/", StringComparison.Ordinal)).ToList();
        var expected = pairs.SelectMany(p => Enumerable.Range(0, 2).Select(i => $"jobs/{jobId}/images/{p}_seed5_{i:D4}.png")).Order().ToList();
        Assert.Equal(expected, samples.Order());
        Assert.Equal(expected.Select(k => k.Replace("/images/", "/masks/")), keys.Where(k => k.StartsWith($"jobs/{jobId}/masks/", StringComparison.Ordinal)).Order());
        Assert.Contains($"jobs/{jobId}/manifest.jsonl", keys);
        Assert.DoesNotContain(keys, k => k.Contains(".partial", StringComparison.Ordinal) || k.EndsWith(".tmp", StringComparison.Ordinal));
        foreach (var image in final.Images)
        {
            var scaleKeys = keys.Where(k => k.StartsWith($"models/{image.ModelKey}/scales/", StringComparison.Ordinal) && k.EndsWith("/netG.pth", StringComparison.Ordinal)).ToList();
            Assert.Equal(image.ScaleCount, scaleKeys.Count);
        }
        // The killed image resumed: its first scale was written before the kill and never again.
        var victimModel = final.Images.Single(i => i.Name == victim).ModelKey;
        var firstScale = await container.GetBlobClient($"models/{victimModel}/scales/0/netG.pth").GetPropertiesAsync();
        Assert.True(firstScale.Value.LastModified < killedAt, $"scale 0 of {victim} was rewritten at {firstScale.Value.LastModified} after the kill at {killedAt}");
        var manifest = await container.GetBlobClient($"jobs/{jobId}/manifest.jsonl").DownloadContentAsync();
        Assert.Equal(6, manifest.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static string ContainerOf(Orleans.TestingHost.InProcessTestCluster cluster) =>
        ((Grains.Hosting.SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(Grains.Hosting.SinGanSegOptions))!).BlobContainer;
}
