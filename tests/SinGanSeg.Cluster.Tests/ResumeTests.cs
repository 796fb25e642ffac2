using Microsoft.Extensions.DependencyInjection;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Execution;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// An image that comes back with stored scales (a restart, a lost silo, a collected activation):
/// it trains before images that have not started, and its "resumed" event is on record at once.
/// </summary>
public class ResumeTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task A_resumed_image_trains_before_fresh_ones_and_each_resumption_is_on_record()
    {
        // One silo, one slot: the image in training holds it, the other two wait in the queue.
        await using var cluster = await TestCluster.StartAsync(azurite, "resume", "gpu");
        var pairs = TestCluster.Pairs(3, skip: 9);
        const string jobId = "resume";
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
        await job.Submit(TestCluster.Job(jobId, pairs, iterations: 40, samples: 1));

        var found = await TestCluster.WaitForImageAt(cluster, jobId,
            TestCluster.BetweenScales,
            TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(100));
        Assert.True(found is not null, "no image reached a second scale in time");
        var resumed = found!.Value.Image.Name;
        output.WriteLine($"{resumed} has {found.Value.Image.CompletedScales} stored scales; {string.Join(", ", pairs.Where(p => p != resumed))} wait");

        // Held from the moment the image lets go of the slot, so every image waits in the queue
        // and only the order of the queue decides which trains next.
        var executor = cluster.Silos[0].ServiceProvider.GetRequiredService<DeviceExecutor>();
        using var release = new ManualResetEventSlim();
        var hold = executor.Run("test: hold the slot", (_, ct) => release.Wait(TimeSpan.FromMinutes(3), ct), CancellationToken.None, priority: int.MaxValue);
        try
        {
            var grain = cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image(jobId, resumed));
            // Its run stopped, its stored scales kept, and back twice: the second time before it
            // could run (and so write anything) after the first.
            for (var time = 1; time <= 2; time++)
            {
                await Deactivate(cluster, grain);
                var progress = await grain.GetProgress();
                Assert.True(progress.CompletedScales >= 1, $"activation {time}: {progress.CompletedScales} stored scales");
                await WaitFor(() => executor.Queued == 3 && executor.Busy == 1, () => $"activation {time}: the three images queued behind the held slot (queued {executor.Queued}, busy {executor.Busy})");
            }
            var log = await grain.GetEvents();
            output.WriteLine(string.Join("\n", log.Select(e => $"{e.At:HH:mm:ss.fff} {e.Kind} {e.Phase} {e.Message}")));
            // At least one per time above (collecting can take more than one pass while the
            // reminder brings the grain back); a resumed event kept in memory only until the next
            // state write would leave just the last activation's, as nothing here writes between.
            var resumptions = log.Count(e => e.Kind == ImageEventKinds.Resumed);
            Assert.True(resumptions >= 2, $"{resumptions} resumed events on record after two activations");
        }
        finally
        {
            release.Set();
        }
        Assert.True(await hold);

        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(4));
        Assert.Equal(JobPhase.Completed, final.Phase);
        var doneAt = new Dictionary<string, DateTimeOffset>();
        foreach (var name in pairs)
        {
            var events = await cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image(jobId, name)).GetEvents();
            doneAt[name] = events.Single(e => e.Kind == ImageEventKinds.Done).At;
        }
        output.WriteLine(string.Join(", ", doneAt.OrderBy(kv => kv.Value).Select(kv => $"{kv.Key} done {kv.Value:HH:mm:ss.fff}")));
        Assert.Equal(resumed, doneAt.MinBy(kv => kv.Value).Key);
    }

    /// <summary>
    /// Deactivates this grain's activation only (a collection of all idle activations would also
    /// take the waiting images away and queue them again behind it) and waits until it is gone.
    /// </summary>
    private static async Task Deactivate(Orleans.TestingHost.InProcessTestCluster cluster, IImageModelGrain grain)
    {
        var id = grain.GetGrainId();
        Assert.True(cluster.TryGetGrainContext(id, out var before), "the image's grain is not active");
        await grain.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await WaitFor(() => !cluster.TryGetGrainContext(id, out var now) || !ReferenceEquals(now, before), () => "the image's activation was not deactivated");
    }

    private static async Task WaitFor(Func<bool> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what());
            await Task.Delay(50);
        }
    }
}
