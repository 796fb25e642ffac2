using Azure.Storage.Blobs;
using Orleans.Runtime;
using SinGanSeg.Abstractions;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>A graceful silo stop (Kubernetes' SIGTERM) lets the scale in training finish and checkpoint before the silo goes.</summary>
public class DrainTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Stopping_a_silo_gracefully_checkpoints_the_scale_in_progress()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "drain", o => o with { ShutdownGrace = TimeSpan.FromMinutes(5) }, "gpu", "gpu");
        var pair = TestCluster.Pairs(1, skip: 7);
        const string jobId = "drain";
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
        await job.Submit(TestCluster.Job(jobId, pair, iterations: 200, samples: 1));

        // Catch the image in a scale: without the drain that scale's work would be lost with the silo.
        var found = await TestCluster.WaitForImageAt(cluster, jobId,
            i => i.Phase == ImagePhase.Training && i.Iteration > 0 && i.Iteration < i.Iterations - 20 && i.CompletedScales < i.ScaleCount,
            TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(50));
        Assert.True(found is not null, "the image never showed early progress in a scale");
        var (caught, silo) = found!.Value;
        var inProgress = caught.CompletedScales;
        output.WriteLine($"stopping {silo} at scale {inProgress} iteration {caught.Iteration}/{caught.Iterations}, {caught.IterationsPerSecond:F1} it/s");
        var startedStop = DateTimeOffset.UtcNow;
        await cluster.StopSiloAsync(cluster.Silos.Single(s => s.SiloAddress == silo));
        var stopped = DateTimeOffset.UtcNow;
        output.WriteLine($"stop took {stopped - startedStop}; job now {string.Join(",", (await job.GetStatus()).Images.Select(i => $"{i.Phase} {i.CompletedScales}/{i.ScaleCount} it {i.Iteration}"))}");

        var container = new BlobContainerClient(azurite.ConnectionString, ((Grains.Hosting.SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(Grains.Hosting.SinGanSegOptions))!).BlobContainer);
        var checkpoint = container.GetBlobClient($"models/{caught.ModelKey}/scales/{inProgress}/netG.pth");
        Assert.True(await checkpoint.ExistsAsync(), $"scale {inProgress}, in training when the stop began, was not checkpointed before the silo went");
        var written = (await checkpoint.GetPropertiesAsync()).Value.LastModified;
        Assert.True(written <= stopped);

        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(4));
        Assert.Equal(JobPhase.Completed, final.Phase);
        Assert.Equal(ImagePhase.Done, final.Images.Single().Phase);
        // The other silo carried on after that scale instead of training it again.
        Assert.Equal(written, (await checkpoint.GetPropertiesAsync()).Value.LastModified);
    }
}
