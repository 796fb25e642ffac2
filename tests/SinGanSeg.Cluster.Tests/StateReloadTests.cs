using Orleans.Runtime;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Every grain state a job writes must read back: a silo that takes over after a loss only has
/// what the store returns. Found the hard way: an image's event log was written with a
/// compiler-generated list type that the Azure grain storage refused to read, so after a silo
/// kill no image could be restarted and jobs stalled for good.
/// </summary>
public class StateReloadTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task A_finished_job_reads_back_whole_after_every_activation_is_collected()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "reload", "cpu");
        var pairs = TestCluster.Pairs(2, skip: 60);
        const string jobId = "reload";
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
        await job.Submit(TestCluster.Job(jobId, pairs, iterations: 2, samples: 1));
        var before = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(3));
        Assert.Equal(JobPhase.Completed, before.Phase);
        var images = pairs.Select(p => cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image(jobId, p))).ToList();
        var eventsBefore = new List<IReadOnlyList<ImageEvent>>();
        foreach (var image in images) eventsBefore.Add(await image.GetEvents());
        Assert.All(eventsBefore, e => Assert.Equal(ImageEventKinds.Done, e[^1].Kind));

        // Collect every activation (the job's, its images', the registry's), then read them all from storage again.
        var registry = cluster.Client.GetGrain<IJobRegistryGrain>(0);
        await TestCluster.CollectActivations(cluster, [.. images.Select(i => i.GetGrainId()), job.GetGrainId(), registry.GetGrainId()]);

        var after = await job.GetStatus();
        Assert.Equal(before.Phase, after.Phase);
        Assert.Equal(before.ManifestKey, after.ManifestKey);
        Assert.Equal(before.Images.Select(i => (i.Name, i.Phase, i.Samples, i.ScaleCount)), after.Images.Select(i => (i.Name, i.Phase, i.Samples, i.ScaleCount)));
        for (var i = 0; i < images.Count; i++)
        {
            Assert.Equal(ImagePhase.Done, (await images[i].GetProgress()).Phase);
            Assert.Equal(eventsBefore[i], await images[i].GetEvents());
        }
        // The listing followed the job to its end: filtered by phase, with its counts.
        var listed = Assert.Single((await registry.List(10, null, [JobPhase.Completed])).Jobs);
        Assert.Equal((jobId, JobPhase.Completed, 2, 2, 0), (listed.JobId, listed.Phase, listed.Total, listed.Done, listed.Failed));
        Assert.Empty((await registry.List(10, null, [JobPhase.Running, JobPhase.Accepted])).Jobs);
    }
}
