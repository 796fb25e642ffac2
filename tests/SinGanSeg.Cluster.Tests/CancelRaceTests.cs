using Azure.Storage.Blobs;
using SinGanSeg.Abstractions;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>A cancel that races the job's fan-out: no image of a cancelled job trains.</summary>
public class CancelRaceTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Cancel_before_start_and_mid_fan_out_leaves_no_image_training()
    {
        // One start at a time: the fan-out is long enough for the cancel to land in the middle of it.
        await using var cluster = await TestCluster.StartAsync(azurite, "cancelrace", o => o with { FanOutConcurrency = 1 }, "cpu");

        // An image grain told to cancel before any work reached it refuses the start that was still on its way.
        var pair = TestCluster.Pairs(1, skip: 50)[0];
        var early = cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image("cr-early", pair));
        await early.Cancel();
        var spec = TestCluster.Job("cr-early", [pair], iterations: 2, samples: 1);
        await early.Start(new ImageWork("cr-early", spec.Images[0], (spec with { SamplesPerImage = 1 }).Settings, 1));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var progress = await early.GetProgress();
        Assert.True(progress.Attempts == 0 && progress.Phase == ImagePhase.Pending, $"cancelled image grain took work: {progress.Phase}, attempt {progress.Attempts}");

        // A job cancelled right after it was accepted, while it is starting its images one by one.
        const string jobId = "cr-fanout";
        var pairs = TestCluster.Pairs(8, skip: 51);
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
        await job.Submit(TestCluster.Job(jobId, pairs, iterations: 40, samples: 1));
        var cancelled = await job.Cancel();
        Assert.Equal(JobPhase.Cancelled, cancelled.Phase);
        output.WriteLine("after cancel: " + string.Join(", ", cancelled.Images.Select(i => $"{i.Name} {i.Phase}")));

        // Whatever had started stops; whatever had not never starts. Give stragglers time to show.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var container = new BlobContainerClient(azurite.ConnectionString, ((Grains.Hosting.SinGanSegOptions)cluster.Silos[0].ServiceProvider
            .GetService(typeof(Grains.Hosting.SinGanSegOptions))!).BlobContainer);
        var checkpoints = await Checkpoints(container);
        foreach (var name in pairs)
        {
            var image = await cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image(jobId, name)).GetProgress();
            output.WriteLine($"{name}: {image.Phase} attempt {image.Attempts} scales {image.CompletedScales}");
            Assert.True(image.Phase == ImagePhase.Cancelled || (image.Phase == ImagePhase.Pending && image.Attempts == 0),
                $"{name} of the cancelled job is {image.Phase} (attempt {image.Attempts})");
        }
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(checkpoints, await Checkpoints(container));
        Assert.All((await job.GetStatus()).Images, i => Assert.Equal(ImagePhase.Cancelled, i.Phase));
    }

    private static async Task<List<string>> Checkpoints(BlobContainerClient container)
    {
        var keys = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "models/", CancellationToken.None)) keys.Add($"{blob.Name} {blob.Properties.LastModified:O}");
        return keys;
    }
}
