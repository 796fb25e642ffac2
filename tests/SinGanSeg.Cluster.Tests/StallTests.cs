using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Execution;
using SinGanSeg.Grains.Storage;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A training thread stuck where cancellation cannot reach it: the upload of a finished scale
/// hangs (an Azure SDK pipeline policy holds the request and ignores cancellation, as a
/// connection that never answers would). The image's stall watch stops the attempt, the silo's
/// executor gives the thread up and starts a new one for its only slot, the job retries the image,
/// and the job completes; when the old thread finally returns, nothing it does counts.
/// </summary>
public class StallTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task A_stuck_training_thread_is_given_up_and_the_image_retried_to_completion()
    {
        var faults = new AimedFaults();
        // Only this job's scale 1: ModelKeys names models by content, so match the upload's path.
        var hang = faults.Add("scale 1 upload hangs",
            r => r.Method == RequestMethod.Put && AimedFaults.PathOf(r).Contains("/scales/1/", StringComparison.Ordinal), hang: true);
        // 20 s: a loaded CI machine can take several seconds to set up a (resumed) training before
        // its first progress report; a shorter watch stopped healthy attempts too.
        await using var cluster = await TestCluster.StartAsync(azurite, "stall",
            o => o with { StallTimeout = TimeSpan.FromSeconds(20), StuckRunGrace = TimeSpan.FromSeconds(1) },
            (_, silo) => silo.Services.AddSingleton(new AzureClientPolicy(faults, HttpPipelinePosition.PerCall)), "cpu", "cpu");
        try
        {
            var job = cluster.Client.GetGrain<IJobCoordinatorGrain>("stall-1");
            var pair = TestCluster.Pairs(1, skip: 61)[0];
            await job.Submit(TestCluster.Job("stall-1", [pair], iterations: 2, samples: 1));
            var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(3));
            var events = await cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image("stall-1", pair)).GetEvents();
            foreach (var e in events) output.WriteLine($"{e.At:HH:mm:ss.fff} {e.Kind} {e.Phase} attempt {e.Attempt} {e.Message}");

            Assert.Equal(1, hang.Fired);
            Assert.Equal(JobPhase.Completed, final.Phase);
            var image = Assert.Single(final.Images);
            Assert.Equal(ImagePhase.Done, image.Phase);
            Assert.Equal(2, image.Attempts);
            Assert.Contains(events, e => e.Kind == ImageEventKinds.Stalled && e.Attempt == 1 && e.Phase == ImagePhase.Training);
            Assert.Contains(events, e => e.Kind == ImageEventKinds.Failed && e.Attempt == 1 && e.Message!.Contains("stalled", StringComparison.Ordinal));
            Assert.Equal(ImageEventKinds.Done, events[^1].Kind);

            // The silo that ran it gave its only slot's thread up, and said so.
            var health = cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<ExecutorHealth>()).ToList();
            var stuckOn = Assert.Single(health, h => h.Abandoned == 1);
            Assert.True(stuckOn.Wedged);

            // The old thread's upload goes through at last; the thread ends and the job stays completed.
            hang.Release();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (stuckOn.Abandoned > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal(0, stuckOn.Abandoned);
            Assert.False(stuckOn.Wedged);
            await Task.Delay(2000);
            var after = await job.GetStatus();
            Assert.Equal(JobPhase.Completed, after.Phase);
            Assert.Equal(2, Assert.Single(after.Images).Attempts);
        }
        finally
        {
            hang.Release();
        }
    }
}
