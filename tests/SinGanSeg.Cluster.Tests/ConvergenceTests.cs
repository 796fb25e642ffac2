using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Storage;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A finished job (or evaluation) must not stay Running because one storage write failed: aimed
/// faults on the writes around an image's outcome and the job's finish, and the job still ends
/// Completed with its manifest. (The evaluation coordinator runs the same tracker and state
/// helper; an evaluation under faults costs minutes of UNet++ training, so it is not repeated here.)
/// </summary>
public class ConvergenceTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Jobs_converge_to_completed_with_their_manifest_despite_failed_writes_around_outcome_and_finish()
    {
        var faults = new AimedFaults();
        await using var cluster = await TestCluster.StartAsync(azurite, "converge", o => o,
            (_, silo) => silo.Services.AddSingleton(new AzureClientPolicy(faults, Azure.Core.HttpPipelinePosition.PerCall)), "cpu", "cpu");

        // The job-state write right after an image's outcome is stored (the write of ImageFinished): refused, or stored with its answer lost.
        var before = faults.Add("outcome write refused", AimedFaults.StateWrite("jobcoordinator", "cv-refused"),
            trigger: AimedFaults.BlobPut("jobs/cv-refused/outcomes/"));
        var lost = faults.Add("outcome write lost", AimedFaults.StateWrite("jobcoordinator", "cv-lost"), afterSend: true,
            trigger: AimedFaults.BlobPut("jobs/cv-lost/outcomes/"));
        // The manifest upload refused twice.
        var manifest = faults.Add("manifest refused twice", AimedFaults.BlobPut("jobs/cv-manifest/manifest.jsonl"), count: 2);
        // The write that marks the job finished, stored with its answer lost.
        var finished = faults.Add("finish write lost", AimedFaults.StateWrite("jobcoordinator", "cv-finish"), afterSend: true,
            trigger: AimedFaults.BlobPut("jobs/cv-finish/manifest.jsonl"));

        var jobs = new[] { "cv-refused", "cv-lost", "cv-manifest", "cv-finish" };
        var pairs = TestCluster.Pairs(4, skip: 40);
        await Task.WhenAll(jobs.Select((id, i) => cluster.Client.GetGrain<IJobCoordinatorGrain>(id).Submit(TestCluster.Job(id, [pairs[i]], iterations: 2, samples: 1))));
        JobStatus[] finals;
        try
        {
            finals = await Task.WhenAll(jobs.Select(id => TestCluster.WaitForEnd(cluster.Client.GetGrain<IJobCoordinatorGrain>(id), TimeSpan.FromMinutes(4))));
        }
        finally
        {
            foreach (var id in jobs)
            {
                var s = await cluster.Client.GetGrain<IJobCoordinatorGrain>(id).GetStatus();
                output.WriteLine($"{id}: {s.Phase} " + string.Join("; ", s.Images.Select(i => $"{i.Name} {i.Phase} {i.CompletedScales}/{i.ScaleCount} attempts {i.Attempts} {i.Error}")));
            }
            foreach (var rule in new[] { before, lost, manifest, finished }) output.WriteLine($"{rule.Name}: fired {rule.Fired}");
        }

        if (before.Fired == 0) output.WriteLine(string.Join("\n", faults.RecentWrites));
        Assert.Equal(1, before.Fired);
        Assert.Equal(1, lost.Fired);
        Assert.Equal(2, manifest.Fired);
        Assert.Equal(1, finished.Fired);
        var container = new BlobContainerClient(azurite.ConnectionString, ContainerOf(cluster));
        foreach (var final in finals)
        {
            Assert.True(final.Phase == JobPhase.Completed, $"{final.JobId}: {final.Phase}");
            Assert.Equal($"jobs/{final.JobId}/manifest.jsonl", final.ManifestKey);
            var lines = (await container.GetBlobClient(final.ManifestKey).DownloadContentAsync()).Value.Content.ToString()
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            // What the store holds agrees: a fresh activation reads the job as completed.
            Assert.All(final.Images, i => Assert.Equal(ImagePhase.Done, i.Phase));
            Assert.All(final.Images, i => Assert.Equal(1, i.Attempts));
        }
    }

    private static string ContainerOf(Orleans.TestingHost.InProcessTestCluster cluster) =>
        ((Grains.Hosting.SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(Grains.Hosting.SinGanSegOptions))!).BlobContainer;
}
