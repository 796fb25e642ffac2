using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Tests;

public class BadInputTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Bad_images_fail_with_reasons_the_rest_complete_and_resubmitting_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "badinput", "cpu", "cpu");
        var dir = TestData.NewTempDir("bad-input");
        var good = TestCluster.Pairs(2, skip: 6);
        var corrupt = Path.Combine(dir, "corrupt.jpg");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(TestData.PolypImage(good[0])).AsSpan(0, 700).ToArray());
        var smallMask = Path.Combine(dir, "small-mask.png");
        using (var m = new Image<L8>(64, 48, new L8(255))) m.SaveAsPng(smallMask);
        var baseline = TestCluster.Job("bad", good, iterations: 2, samples: 1);
        var spec = baseline with
        {
            Images =
            [
                .. baseline.Images,
                new ImageInput("corrupt", new Uri(corrupt).AbsoluteUri, new Uri(TestData.PolypMask(good[0])).AbsoluteUri),
                new ImageInput("mismatch", new Uri(TestData.PolypImage(good[1])).AbsoluteUri, new Uri(smallMask).AbsoluteUri),
            ],
        };
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>("bad");
        await job.Submit(spec);
        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(3));
        Assert.Equal(JobPhase.CompletedWithErrors, final.Phase);
        Assert.All(final.Images.Where(i => good.Contains(i.Name)), i => Assert.Equal(ImagePhase.Done, i.Phase));
        var corruptResult = final.Images.Single(i => i.Name == "corrupt");
        Assert.Equal(ImagePhase.Failed, corruptResult.Phase);
        Assert.Contains("corrupt.jpg", corruptResult.Error);
        Assert.Equal(1, corruptResult.Attempts);
        var mismatch = final.Images.Single(i => i.Name == "mismatch");
        Assert.Equal(ImagePhase.Failed, mismatch.Phase);
        Assert.Contains("small-mask.png", mismatch.Error);
        Assert.Contains("64x48", mismatch.Error);

        // The same job again: nothing restarts, nothing changes.
        var again = await job.Submit(spec);
        Assert.Equal(final.Phase, again.Phase);
        Assert.Equal(final.Images.Select(i => (i.Name, i.Phase, i.Attempts, i.Samples)), again.Images.Select(i => (i.Name, i.Phase, i.Attempts, i.Samples)));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await job.GetStatus();
        Assert.Equal(final.Images.Select(i => (i.Name, i.Phase, i.Attempts)), later.Images.Select(i => (i.Name, i.Phase, i.Attempts)));
        Assert.Equal(final.FinishedAt, later.FinishedAt);

        // A different job under the same id is refused.
        await Assert.ThrowsAsync<JobConflictException>(() => job.Submit(spec with { SamplesPerImage = 3 }));
    }

    [Fact]
    public async Task Invalid_jobs_are_refused_before_anything_runs()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "invalid", "cpu");
        var pairs = TestCluster.Pairs(1);
        var cases = new (JobSpec Spec, string Message)[]
        {
            (TestCluster.Job("empty", []) , "no images"),
            (TestCluster.Job("dupes", [pairs[0], pairs[0]]), "unique"),
            (TestCluster.Job("samples", pairs, samples: 0), "samples per image"),
            (TestCluster.Job("preset", pairs) with { Training = new TrainingOptions("huge") }, "unknown preset"),
            (TestCluster.Job("traversal", pairs) with { Images = [new ImageInput("../etc", "file:///x", "file:///y")] }, "no path separators"),
        };
        foreach (var (spec, message) in cases)
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId).Submit(spec));
            Assert.Contains(message, e.Message);
            await Assert.ThrowsAsync<KeyNotFoundException>(() => cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId).GetStatus());
        }
    }

    [Fact]
    public async Task Cancel_stops_outstanding_work()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "cancel", "cpu");
        var pairs = TestCluster.Pairs(3, skip: 9);
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>("cancel");
        await job.Submit(TestCluster.Job("cancel", pairs, iterations: 2000, samples: 1));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await job.GetStatus()).Images.All(i => i.Phase != ImagePhase.Training) && DateTime.UtcNow < deadline) await Task.Delay(100);
        var cancelled = await job.Cancel();
        Assert.Equal(JobPhase.Cancelled, cancelled.Phase);
        Assert.All(cancelled.Images, i => Assert.Equal(ImagePhase.Cancelled, i.Phase));
        var executor = (Grains.Execution.DeviceExecutor)cluster.Silos[0].ServiceProvider.GetService(typeof(Grains.Execution.DeviceExecutor))!;
        var idle = DateTime.UtcNow.AddSeconds(30);
        while ((executor.Busy > 0 || executor.Queued > 0) && DateTime.UtcNow < idle) await Task.Delay(100);
        Assert.Equal(0, executor.Busy);
        Assert.Equal(0, executor.Queued);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await job.GetStatus();
        Assert.Equal(JobPhase.Cancelled, later.Phase);
        Assert.All(later.Images, i => Assert.Equal(ImagePhase.Cancelled, i.Phase));
        Assert.Equal(0, executor.Busy);
    }
}
