using System.Text.Json;
using Azure.Storage.Blobs;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The gates end to end: one real image trained once (the second job takes the model from the
/// cache), sampled near the top of the pyramid — where SinGAN reproduces its training image —
/// and at gen_start_scale 0. The copy check must flag most of the first and few of the second;
/// regenerate-then-drop must keep flagged pairs out of the dataset and apart; the card must say so.
/// </summary>
public class GateTests(Azurite azurite) : IClassFixture<Azurite>
{
    private const string Image = "cju34uhepd3dd0799hs8782ad";

    [Fact]
    public async Task Near_the_top_most_samples_are_flagged_and_at_scale_zero_few()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "gates", "cpu");
        var container = new BlobContainerClient(azurite.ConnectionString,
            ((SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(SinGanSegOptions))!).BlobContainer);
        const int samples = 6;

        // Tiny preset with enough iterations that the coarse scales learn the image (docs/PRIVACY.md).
        var high = TestCluster.Job("gates-high", [Image], iterations: 100, samples: samples) with
        {
            GenStartScale = 2,
            Score = false,
            Gates = GateSettings.Of([new("copyCheck", new GateOptions(GatePolicy.Regenerate, MaxTries: 1))]),
        };
        var highJob = cluster.Client.GetGrain<IJobCoordinatorGrain>(high.JobId);
        await highJob.Submit(high);
        var highStatus = await TestCluster.WaitForEnd(highJob, TimeSpan.FromMinutes(10));
        Assert.Equal(JobPhase.Completed, highStatus.Phase);

        var low = high with { JobId = "gates-low", GenStartScale = 0, Gates = null };
        var lowJob = cluster.Client.GetGrain<IJobCoordinatorGrain>(low.JobId);
        await lowJob.Submit(low);
        var lowStatus = await TestCluster.WaitForEnd(lowJob, TimeSpan.FromMinutes(3));
        Assert.Equal(JobPhase.Completed, lowStatus.Phase);
        Assert.True(lowStatus.Images[0].FromCache, "the second job reuses the first one's model");

        // Near the top: most flagged; each flagged sample regenerated once, flagged again, dropped.
        var h = highStatus.Gates;
        var lowGates = lowStatus.Gates;
        // Regenerated counts the first round's flagged samples; their replacements are flagged again and dropped.
        Assert.True(h.Regenerated >= samples - 1, $"near the top: {h}");
        Assert.True(h.Dropped >= samples - 2 && h.Dropped <= h.Regenerated, $"near the top: {h}");
        Assert.True(h.FlaggedBy("copyCheck") >= h.Dropped, $"near the top: {h}");
        // Only the copy check acts here (the quality gate reports), so it asked for every redraw.
        Assert.Equal(h.Regenerated, h.RegeneratedFor("copyCheck"));
        Assert.Equal(0, h.RegeneratedFor("quality"));
        Assert.Contains($"{h.Regenerated} regenerated ({h.Regenerated} by copyCheck), ", h.Describe());
        Assert.Equal(samples, lowGates.Checked);
        Assert.True(lowGates.FlaggedBy("copyCheck") <= samples / 3, $"at scale 0: {lowGates}");
        Assert.Equal(0, lowGates.Dropped);

        // A gate later in the order asks for the redraws while an earlier one only reports: at threshold 0 both
        // flag every draw, and every redraw is the quality gate's (the acting gate's, not the first flagging one's).
        var both = low with
        {
            JobId = "gates-quality",
            Gates = GateSettings.Of([new("copyCheck", new GateOptions(GatePolicy.Report, Threshold: 0)), new("quality", new GateOptions(GatePolicy.Regenerate, Threshold: 0, MaxTries: 1))]),
        };
        var bothJob = cluster.Client.GetGrain<IJobCoordinatorGrain>(both.JobId);
        await bothJob.Submit(both);
        var q = (await TestCluster.WaitForEnd(bothJob, TimeSpan.FromMinutes(3))).Gates;
        Assert.Equal((samples, samples, samples, samples), (q.Regenerated, q.RegeneratedFor("quality"), q.Dropped, q.FlaggedBy("copyCheck")));
        Assert.Equal(0, q.RegeneratedFor("copyCheck"));
        Assert.Contains($"{samples} regenerated ({samples} by quality), ", q.Describe());

        var kept = await Lines(container, $"jobs/{high.JobId}/manifest.jsonl");
        var dropped = await Lines(container, $"jobs/{high.JobId}/dropped/manifest.jsonl");
        Assert.Equal(samples - h.Dropped, kept.Count);
        Assert.Equal(h.Dropped, dropped.Count);
        Assert.All(dropped, d =>
        {
            Assert.Equal("copyCheck", d.GetProperty("droppedBy").GetString());
            Assert.Equal(2, d.GetProperty("tries").GetInt32());
            Assert.True(d.GetProperty("copyCheck").GetProperty("flagged").GetBoolean());
            Assert.StartsWith("images/", d.GetProperty("image").GetString());
        });
        foreach (var d in dropped)
        {
            var name = Path.GetFileNameWithoutExtension(d.GetProperty("image").GetString()!);
            Assert.True(await container.GetBlobClient($"jobs/{high.JobId}/dropped/images/{name}.png").ExistsAsync(), $"{name} kept apart");
            Assert.False(await container.GetBlobClient($"jobs/{high.JobId}/images/{name}.png").ExistsAsync(), $"{name} not in the dataset");
        }

        var lowLines = await Lines(container, $"jobs/{low.JobId}/manifest.jsonl");
        Assert.Equal(samples, lowLines.Count);
        Assert.All(lowLines, l =>
        {
            var copy = l.GetProperty("copyCheck");
            Assert.InRange(copy.GetProperty("ncc").GetDouble(), -1, 1);
            Assert.InRange(copy.GetProperty("score").GetDouble(), 0, 1);
            Assert.True(l.GetProperty("quality").TryGetProperty("reasons", out _));
        });

        var card = JsonDocument.Parse((await container.GetBlobClient($"jobs/{high.JobId}/dataset_card.json").DownloadContentAsync()).Value.Content.ToString()).RootElement;
        Assert.Equal(h.Dropped, card.GetProperty("samples").GetProperty("dropped").GetInt32());
        Assert.Equal("regenerate", card.GetProperty("gates").GetProperty("copyCheck").GetProperty("policy").GetString());
        Assert.Equal(h.Regenerated, card.GetProperty("gates").GetProperty("copyCheck").GetProperty("regenerated").GetInt32());
        Assert.Equal(0, card.GetProperty("gates").GetProperty("quality").GetProperty("regenerated").GetInt32());
        Assert.Contains("PLOS ONE", card.GetProperty("cite")[0].GetString());
        var markdown = (await container.GetBlobClient($"jobs/{high.JobId}/dataset_card.md").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("| copy check (privacy) | regenerate |", markdown);
        Assert.Contains($" | {h.FlaggedBy("copyCheck")} | {h.Regenerated} | {h.Dropped} |\n", markdown);
        // Sentences, not JSON fragments (the card once printed its counts as trimmed JSON, apostrophes as \u0027).
        Assert.DoesNotContain("\"kept\":", markdown);
        Assert.DoesNotContain("\\u0027", markdown);
        Assert.Contains("- source images: 1 (1 used, 0 failed)", markdown);
        Assert.Contains("the source's data-use terms", markdown);
        var redraws = card.GetProperty("samples").GetProperty("regenerated").GetInt32();
        // The exact wording is pinned by The_cards_sample_counts_read_in_the_singular_for_one; here, that the card carries it, with this job's counts.
        foreach (var line in DatasetCardWriter.SampleCounts(samples - h.Dropped, 0, h.Dropped, redraws, h.Regenerated)) Assert.Contains(line + "\n", markdown);
        Assert.Contains("- 1 model (listed in dataset_card.json)", markdown);
        // The figure has no text: the caption gives its SIFID axis (scoring is off here; the quality gate, on by default, computes SIFID).
        var sifidMax = card.GetProperty("figureSifidMax").GetDouble();
        Assert.True(sifidMax > 0, $"figureSifidMax {sifidMax}");
        Assert.Contains(FormattableString.Invariant($"SIFID of every checked sample, 0…{sifidMax:0.##} ("), markdown);
        Assert.True(await container.GetBlobClient($"jobs/{high.JobId}/dataset_card.png").ExistsAsync());
    }

    private static async Task<List<JsonElement>> Lines(BlobContainerClient container, string key)
    {
        var text = (await container.GetBlobClient(key).DownloadContentAsync()).Value.Content.ToString();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
    }

    [Fact]
    public void The_gate_counts_say_which_gate_asked_for_the_redraws()
    {
        // Two images: the quality gate redrew 3 draws that then passed, the copy check 1 that it dropped.
        GateCounts a = new(Checked: 10, Regenerated: 3, Dropped: 0, Flagged: new() { ["copyCheck"] = 0, ["quality"] = 0 }, RegeneratedBy: new() { ["quality"] = 3 });
        GateCounts b = new(Checked: 10, Regenerated: 2, Dropped: 1, Flagged: new() { ["copyCheck"] = 1, ["quality"] = 0 }, RegeneratedBy: new() { ["copyCheck"] = 1, ["quality"] = 1 });
        var sum = GateCounts.Sum([a, null, b]);
        Assert.Equal("20 checked, 1 copyCheck-flagged, 0 quality-flagged, 5 regenerated (4 by quality, 1 by copyCheck), 1 dropped", sum.Describe());
        Assert.Equal(4, sum.RegeneratedFor("quality"));
        Assert.Equal(0, sum.RegeneratedFor("maskAgreement"));
        // Counts stored before the per-gate counts existed: no breakdown rather than a wrong one.
        GateCounts old = new(Checked: 10, Regenerated: 2, Dropped: 0, Flagged: new() { ["copyCheck"] = 0 });
        Assert.False(GateCounts.Sum([a, old]).RedrawsAttributed);
        Assert.Equal("20 checked, 0 copyCheck-flagged, 0 quality-flagged, 5 regenerated, 0 dropped", GateCounts.Sum([a, old]).Describe());
        Assert.Equal("10 checked, 0 copyCheck-flagged, 0 regenerated, 0 dropped", (old with { Regenerated = 0 }).Describe());
        // Compared by content: the redraws' owners count.
        Assert.Equal(a, a with { RegeneratedBy = new() { ["quality"] = 3 } });
        Assert.NotEqual(a, a with { RegeneratedBy = new() { ["copyCheck"] = 3 } });
    }

    [Fact]
    public void The_card_says_when_a_regenerate_gates_redraws_were_not_recorded()
    {
        // One image finished before the per-gate counts were kept (2 redraws, owner unknown), one after (1 by quality).
        var spec = new JobSpec("j", [new ImageInput("a", "file:///a.png", "file:///a_mask.png"), new ImageInput("b", "file:///b.png", "file:///b_mask.png")],
            new TrainingOptions("tiny"), 2, 1, Gates: GateSettings.Of([new("quality", new GateOptions(GatePolicy.Regenerate))]));
        var status = new JobStatus("j", JobPhase.Completed, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "m", 2, "tiny");
        ImageOutcome Outcome(string name, GateCounts gates) => new(name, true, [], null, false, 1, "m", false, Gates: gates);
        var before = new GateCounts(2, 2, 0, new() { ["copyCheck"] = 0, ["quality"] = 0 });
        var after = new GateCounts(2, 1, 0, new() { ["copyCheck"] = 0, ["quality"] = 0 }, new() { ["quality"] = 1 });

        var card = DatasetCardWriter.Build(spec, status, [Outcome("a", before), Outcome("b", after)], null);
        Assert.Equal(3, card.Gates.Regenerated);
        var byName = card.Gates.Gates.ToDictionary(g => g.Name, g => g.Summary);
        Assert.Null(byName["quality"].Regenerated);
        Assert.Equal(0, byName["copyCheck"].Regenerated); // it only reports, so it asked for none
        Assert.Contains("| not recorded | 0 |", DatasetCardWriter.Markdown(card));

        var recorded = DatasetCardWriter.Build(spec, status, [Outcome("b", after)], null);
        Assert.Equal(1, recorded.Gates.Gates.Single(g => g.Name == "quality").Summary.Regenerated);
    }

    [Fact]
    public void The_cards_sample_counts_read_in_the_singular_for_one()
    {
        Assert.Equal(["- 1 pair kept (1 of them restyled); 0 dropped by the gates",
            "- 1 of the kept pairs is a redraw (a gate flagged an earlier draw); 1 draw was made again in all"],
            DatasetCardWriter.SampleCounts(1, 1, 0, 1, 1));
        Assert.Equal(["- 195 pairs kept (195 of them restyled); 5 dropped by the gates",
            "- 40 of the kept pairs are redraws (a gate flagged an earlier draw); 69 draws were made again in all"],
            DatasetCardWriter.SampleCounts(195, 195, 5, 40, 69));
        Assert.StartsWith("- 0 pairs kept", DatasetCardWriter.SampleCounts(0, 0, 3, 0, 3)[0]);
    }
}
