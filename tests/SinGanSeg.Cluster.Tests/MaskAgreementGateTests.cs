using System.Text.Json;
using Azure.Storage.Blobs;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Segmentation;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Images;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The mask agreement gate end to end on two silos: a tiny job that turns it on (report) has a
/// maskAgreement verdict on every manifest line and in the card, from one segmenter stored once for
/// the job (its images ran on both silos); the segmenter survives its activation (reused, not
/// trained again); the same job with default gates has none of it, and no segmenter. The segmenter
/// is made small here (32 px, 30 steps) to keep the test short; its default is 64 px, 300 steps.
/// Cancelling a job stops its segmenter mid-training.
/// </summary>
public class MaskAgreementGateTests(Azurite azurite) : IClassFixture<Azurite>
{
    private static readonly MaskAgreementConfig Small = new() { ImageSize = 32, Steps = 30, Widths = [16, 32], Augment = false };

    [Fact]
    public async Task Report_gives_every_sample_a_verdict_and_default_jobs_have_none()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "agreement", o => o with { MaskAgreement = Small }, "cpu", "cpu");
        var container = new BlobContainerClient(azurite.ConnectionString,
            ((SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(SinGanSegOptions))!).BlobContainer);

        var on = TestCluster.Job("agree-on", TestCluster.Pairs(2), iterations: 2, samples: 2) with
        {
            Score = false,
            Gates = GateSettings.Of([new("maskAgreement", new GateOptions(GatePolicy.Report))]),
        };
        var onStatus = await TestCluster.WaitForEnd(await Submit(cluster, on), TimeSpan.FromMinutes(8));
        Assert.True(onStatus.Phase == JobPhase.Completed, string.Join("; ", onStatus.Images.Select(i => $"{i.Name}: {i.Phase} {i.Error}")));
        Assert.True(onStatus.Gates.Flagged!.ContainsKey("maskAgreement"), onStatus.Gates.ToString());

        var lines = await Lines(container, $"jobs/{on.JobId}/manifest.jsonl");
        Assert.Equal(4, lines.Count);
        Assert.All(lines, l =>
        {
            var v = l.GetProperty("maskAgreement");
            var dice = v.GetProperty("dice").GetDouble();
            Assert.InRange(dice, 0, 1);
            Assert.Equal(1 - dice, v.GetProperty("score").GetDouble(), 4);
            Assert.Equal(0.9, v.GetProperty("threshold").GetDouble());
            Assert.Equal(v.GetProperty("score").GetDouble() >= 0.9, v.GetProperty("flagged").GetBoolean());
            Assert.InRange(v.GetProperty("realDice").GetDouble(), 0, 1);
            Assert.InRange(v.GetProperty("maskForeground").GetDouble(), 0, 1);
        });
        var card = await Card(container, on.JobId);
        var gate = card.GetProperty("gates").GetProperty("maskAgreement");
        Assert.Equal("report", gate.GetProperty("policy").GetString());
        Assert.Equal(lines.Count(l => l.GetProperty("maskAgreement").GetProperty("flagged").GetBoolean()), gate.GetProperty("flagged").GetInt32());
        Assert.Equal(4, card.GetProperty("distributions").GetProperty("maskAgreementDice").GetProperty("count").GetInt32());
        Assert.Contains("| mask agreement | report | 0.9 |", await Text(container, $"jobs/{on.JobId}/dataset_card.md"));

        // One segmenter for the job, though its two images ran on different silos.
        var stored = container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"jobs/{on.JobId}/segmenter/", default).ToList();
        Assert.Single(stored);
        var key = stored[0].Name;
        var written = stored[0].Properties.LastModified;

        // A new activation (as after a silo restart) finds the stored segmenter instead of training again.
        var segmenter = cluster.Client.GetGrain<IJobSegmenterGrain>(on.JobId);
        await TestCluster.CollectActivations(cluster, segmenter.GetGrainId());
        string? again;
        while ((again = await segmenter.Segmenter()) is null) await Task.Delay(200);
        Assert.Equal(key, again);
        Assert.Equal(written, (await container.GetBlobClient(key).GetPropertiesAsync()).Value.LastModified);

        // Default gates: maskAgreement is off — no verdict, no card entry, no count, no segmenter.
        var off = on with { JobId = "agree-off", Gates = null };
        var offStatus = await TestCluster.WaitForEnd(await Submit(cluster, off), TimeSpan.FromMinutes(4));
        Assert.Equal(JobPhase.Completed, offStatus.Phase);
        Assert.False(offStatus.Gates.Flagged!.ContainsKey("maskAgreement"), offStatus.Gates.ToString());
        var offLines = await Lines(container, $"jobs/{off.JobId}/manifest.jsonl");
        Assert.Equal(4, offLines.Count);
        Assert.All(offLines, l =>
        {
            Assert.False(l.TryGetProperty("maskAgreement", out _));
            Assert.True(l.TryGetProperty("copyCheck", out _));
        });
        var offCard = await Card(container, off.JobId);
        Assert.False(offCard.GetProperty("gates").TryGetProperty("maskAgreement", out _));
        Assert.False(offCard.GetProperty("distributions").TryGetProperty("maskAgreementDice", out _));
        Assert.DoesNotContain("mask agreement", await Text(container, $"jobs/{off.JobId}/dataset_card.md"));
        Assert.Empty(container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"jobs/{off.JobId}/segmenter/", default));
    }

    [Fact]
    public async Task Cancelling_a_job_stops_its_segmenter_training_and_stores_nothing()
    {
        // A segmenter that would train far longer than the test: only the cancel can end it.
        var endless = Small with { Steps = 1_000_000 };
        await using var cluster = await TestCluster.StartAsync(azurite, "agreement-cancel", o => o with { MaskAgreement = endless }, "cpu");
        var container = new BlobContainerClient(azurite.ConnectionString,
            ((SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(SinGanSegOptions))!).BlobContainer);
        var spec = TestCluster.Job("agree-cancel", TestCluster.Pairs(1), iterations: 2, samples: 2) with
        {
            Score = false,
            Gates = GateSettings.Of([new(MaskAgreementGate.Name, new GateOptions(GatePolicy.Report))]),
        };
        var job = await Submit(cluster, spec);
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (JobSegmenterGrain.Running == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(1, JobSegmenterGrain.Running);

        var cancelled = await job.Cancel();
        Assert.Equal(JobPhase.Cancelled, cancelled.Phase);
        // The cancel returns once the training has ended: nothing of it runs on, and nothing is stored.
        Assert.Equal(0, JobSegmenterGrain.Running);
        // Asks still on their way from an image (it polls until its own cancel reaches it) are refused rather than training again.
        var segmenter = cluster.Client.GetGrain<IJobSegmenterGrain>(spec.JobId);
        for (var ask = 0; ask < 3; ask++)
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => segmenter.Segmenter());
        await Task.Delay(2000);
        Assert.Equal(0, JobSegmenterGrain.Running);
        Assert.Empty(container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"jobs/{spec.JobId}/segmenter/", default));

        // Deleted, the id is free again: the same job submitted anew trains its segmenter.
        await job.Delete("test", cancelFirst: false);
        var again = await Submit(cluster, spec);
        deadline = DateTime.UtcNow.AddMinutes(4);
        while (JobSegmenterGrain.Running == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(1, JobSegmenterGrain.Running);
        Assert.Equal(JobPhase.Cancelled, (await again.Cancel()).Phase);
        Assert.Equal(0, JobSegmenterGrain.Running);
    }

    private static async Task<IJobCoordinatorGrain> Submit(Orleans.TestingHost.InProcessTestCluster cluster, JobSpec spec)
    {
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
        await job.Submit(spec);
        return job;
    }

    private static async Task<string> Text(BlobContainerClient container, string key) =>
        (await container.GetBlobClient(key).DownloadContentAsync()).Value.Content.ToString();

    private static async Task<JsonElement> Card(BlobContainerClient container, string jobId) =>
        JsonDocument.Parse(await Text(container, $"jobs/{jobId}/dataset_card.json")).RootElement;

    private static async Task<List<JsonElement>> Lines(BlobContainerClient container, string key) =>
        [.. (await Text(container, key)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
}
