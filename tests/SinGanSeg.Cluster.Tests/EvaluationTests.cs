using System.Text.Json;
using Azure.Storage.Blobs;
using Orleans.Runtime;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Evaluation;
using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Core.Tests;

public class EvaluationTests(Azurite azurite) : IClassFixture<Azurite>
{
    private static readonly EvaluationSettings Quick = new(Folds: 2, Epochs: 1, ImageSize: 64, BatchSize: 4, DecoderChannels: [32, 32, 16, 16, 16]);
    private static readonly EvaluationSettings BothModels = Quick with { Models = ["unetpp", "unet"], UNetWidths = [16, 32], Mixed = false };

    /// <summary>Real pairs, and "synthetic" pairs that are copies of them under sample names (orchestration is what is tested here).</summary>
    internal static EvaluationSpec Spec(string id, int images, EvaluationSettings settings, int skip = 30)
    {
        var pairs = TestCluster.Pairs(images, skip: skip);
        var real = pairs.Select(p => new ImageInput(p, new Uri(TestData.PolypImage(p)).AbsoluteUri, new Uri(TestData.PolypMask(p)).AbsoluteUri)).ToList();
        var synthetic = pairs.Select(p => new SyntheticInput($"{p}_seed1_0000", new Uri(TestData.PolypImage(p)).AbsoluteUri, new Uri(TestData.PolypMask(p)).AbsoluteUri, p)).ToList();
        return new EvaluationSpec(id, real, synthetic, settings);
    }

    [Fact]
    public async Task Runs_of_both_models_fan_out_to_the_accelerator_silo_and_the_report_is_stored_with_every_metric()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "evaluation", "cpu-only", "gpu");
        var gpu = cluster.Silos[1].SiloAddress;
        var spec = Spec("eval", 6, BothModels);
        var grain = cluster.Client.GetGrain<IEvaluationCoordinatorGrain>(spec.EvaluationId);
        var accepted = await grain.Submit(spec);
        Assert.Equal(8, accepted.Runs.Count); // 2 models × 2 folds × real, synthetic-raw
        var hosts = new Dictionary<string, SiloAddress>();
        EvaluationStatus status;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (!(status = await grain.GetStatus()).IsFinished)
        {
            foreach (var run in accepted.Runs)
            {
                var id = cluster.Client.GetGrain<IEvaluationRunGrain>(EvaluationKeys.RunGrain(spec.EvaluationId, run.Key)).GetGrainId();
                if (cluster.TryGetGrainContext(id, out var context) && context.Address.SiloAddress is { } silo) hosts[run.Key] = silo;
            }
            Assert.True(DateTime.UtcNow < deadline, "evaluation did not finish: " + string.Join("; ", status.Runs.Select(r => $"{r.Key} {r.Phase} {r.Error}")));
            await Task.Delay(200);
        }
        Assert.Equal(EvaluationPhase.Completed, status.Phase);
        Assert.NotEmpty(hosts);
        Assert.All(hosts, h => Assert.Equal(gpu, h.Value));
        Assert.Equal(["unetpp real", "unetpp synthetic-raw", "unet real", "unet synthetic-raw"],
            status.Summary!.Select(s => $"{s.Model} {s.Set}"));
        Assert.All(status.Summary!, s => Assert.Equal(2, s.Folds));
        Assert.All(status.Runs, r => Assert.True(r.TestDice is >= 0 and <= 1));

        var container = new BlobContainerClient(azurite.ConnectionString, ContainerOf(cluster));
        var report = JsonDocument.Parse((await container.GetBlobClient($"{status.ReportPrefix}report.json").DownloadContentAsync()).Value.Content.ToString()).RootElement;
        foreach (var set in report.GetProperty("summary").EnumerateArray())
            foreach (var metric in new[] { "iou", "dice", "precision", "recall", "accuracy" })
                Assert.True(set.GetProperty(metric).GetProperty("mean").GetDouble() is >= 0 and <= 1, metric);
        // Same gradient steps for every run: one pass (epochs 1) over the largest set in batches of 4.
        var largest = report.GetProperty("runs").EnumerateArray().Max(r => r.GetProperty("trainPairs").GetInt32());
        Assert.All(report.GetProperty("runs").EnumerateArray(), r => Assert.Equal((largest + 3) / 4, r.GetProperty("steps").GetInt32()));
        Assert.True((await container.GetBlobClient($"{status.ReportPrefix}dice.svg").ExistsAsync()).Value);
        Assert.True((await container.GetBlobClient($"{status.ReportPrefix}dice-unet.svg").ExistsAsync()).Value);
        var markdown = (await container.GetBlobClient($"{status.ReportPrefix}report.md").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("| synthetic-raw |", markdown);
        Assert.Contains("## U-Net (from scratch)", markdown);

        // Submitting again changes nothing; a different evaluation under the same id is refused.
        var again = await grain.Submit(spec);
        Assert.Equal(status.FinishedAt, again.FinishedAt);
        await Assert.ThrowsAsync<JobConflictException>(() => grain.Submit(spec with { Settings = BothModels with { Epochs = 2 } }));
    }

    [Fact]
    public async Task Impossible_evaluations_are_refused_with_the_reason()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "evaluationbad", "cpu");
        var cases = new (EvaluationSpec Spec, string Message)[]
        {
            (Spec("few", 3, Quick), "too few"),
            (Spec("size", 6, Quick with { ImageSize = 100 }), "multiple of 32"),
            (Spec("model", 6, Quick with { Models = ["resnet"] }), "unknown segmentation model 'resnet'"),
            (Spec("orphan", 6, Quick) with { Synthetic = [new SyntheticInput("x_seed1_0000", "file:///x.png", "file:///y.png", "nobody")] }, "not among the real images"),
        };
        foreach (var (spec, message) in cases)
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IEvaluationCoordinatorGrain>(spec.EvaluationId).Submit(spec));
            Assert.Contains(message, e.Message);
        }
        var job = TestCluster.Job("evaljob", TestCluster.Pairs(3)) with { Evaluate = Quick };
        Assert.Contains("at least 4 images", (await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IJobCoordinatorGrain>("evaljob").Submit(job))).Message);
    }

    private static string ContainerOf(Orleans.TestingHost.InProcessTestCluster cluster) =>
        ((Grains.Hosting.SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(Grains.Hosting.SinGanSegOptions))!).BlobContainer;
}
