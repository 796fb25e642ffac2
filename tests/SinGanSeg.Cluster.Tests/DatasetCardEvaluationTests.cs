using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The dataset card carries the job's evaluation: the card written when the job finishes is
/// written again when the evaluation (which runs on after the job) finishes, with its results.
/// </summary>
public class DatasetCardEvaluationTests(Azurite azurite) : IClassFixture<Azurite>
{
    private static readonly EvaluationSettings Quick = new(Folds: 2, Epochs: 1, ImageSize: 64, BatchSize: 4, DecoderChannels: [32, 32, 16, 16, 16]);

    [Fact]
    public async Task Card_is_rewritten_with_the_evaluation_results_when_the_evaluation_finishes()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "card-evaluation", "cpu");
        var container = new BlobContainerClient(azurite.ConnectionString,
            ((SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(SinGanSegOptions))!).BlobContainer);
        var spec = TestCluster.Job("card-eval", TestCluster.Pairs(4, skip: 60), samples: 1) with { Evaluate = Quick };
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
        await job.Submit(spec);
        var status = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(5));
        Assert.Equal(JobPhase.Completed, status.Phase);
        Assert.NotNull(status.EvaluationId);

        var evaluation = cluster.Client.GetGrain<IEvaluationCoordinatorGrain>(status.EvaluationId);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        EvaluationStatus finished;
        while (!(finished = await evaluation.GetStatus()).IsFinished)
        {
            Assert.True(DateTime.UtcNow < deadline, "the evaluation did not finish in time");
            await Task.Delay(500);
        }
        Assert.NotNull(finished.Summary);

        // The evaluation tells the job before it marks itself finished: the card already has the results.
        var card = JsonDocument.Parse(await Text(container, $"jobs/{spec.JobId}/dataset_card.json")).RootElement;
        var section = card.GetProperty("evaluation");
        Assert.Equal(JsonValueKind.Array, section.GetProperty("results").ValueKind);
        Assert.Equal(status.EvaluationId, section.GetProperty("id").GetString());
        Assert.Equal(finished.Phase.ToString(), section.GetProperty("state").GetString());
        var results = section.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(finished.Summary!.Count, results.Count);
        Assert.All(finished.Summary!.Zip(results), p =>
        {
            Assert.Equal(p.First.Set, p.Second.GetProperty("set").GetString());
            Assert.Equal(p.First.Dice, p.Second.GetProperty("dice").GetDouble(), 9);
        });
        var markdown = await Text(container, $"jobs/{spec.JobId}/dataset_card.md");
        var first = finished.Summary![0];
        Assert.Contains(FormattableString.Invariant($"| {first.Set} | {first.Model} | {first.Dice:0.000} ± {first.DiceStd:0.000} |"), markdown);
        Assert.DoesNotContain("written again", markdown);

        // The job now keeps the evaluation's results in its state: they must read back (a silo taking over has only what is stored).
        await TestCluster.CollectActivations(cluster, job.GetGrainId(), evaluation.GetGrainId());
        Assert.Equal(JobPhase.Completed, (await job.GetStatus()).Phase);
        Assert.Equal(finished.Summary!.Count, (await evaluation.GetStatus()).Summary!.Count);
    }

    [Fact]
    public void While_the_evaluation_runs_the_card_says_where_its_results_will_be()
    {
        var status = new JobStatus("j", JobPhase.Completed, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "m", 1, "tiny", EvaluationId: "j-evaluation");
        var section = DatasetCardEvaluation.Of(status, null)!;
        Assert.Equal("running", section.State);
        Assert.Null(section.Results);
        var markdown = new StringBuilder();
        DatasetCardEvaluation.Markdown(markdown, section);
        Assert.Contains("written again with its results when it finishes; until then see /api/evaluations/j-evaluation/report/report.md", markdown.ToString());

        // A job whose evaluation could not start says why; a job that asked for none has no section.
        var refused = DatasetCardEvaluation.Of(status with { EvaluationId = null, EvaluationError = "too few images" }, null)!;
        Assert.Equal(("not started", "too few images"), (refused.State, refused.Error));
        Assert.Null(DatasetCardEvaluation.Of(status with { EvaluationId = null }, null));
    }

    private static async Task<string> Text(BlobContainerClient container, string key) =>
        (await container.GetBlobClient(key).DownloadContentAsync()).Value.Content.ToString();
}
