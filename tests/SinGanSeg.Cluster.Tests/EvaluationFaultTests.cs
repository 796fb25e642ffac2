using Azure.Storage.Blobs;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Evaluation;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The evaluation coordinator shares the job's tracker, so it must survive what a job survives:
/// the silo training a run is killed, and the evaluation still ends Completed with every run's
/// result and the report stored once.
/// </summary>
public class EvaluationFaultTests(Azurite azurite, ITestOutputHelper output) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Killing_the_silo_that_trains_a_run_still_completes_the_evaluation()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "evalfault", "gpu", "gpu", "gpu");
        // Enough epochs that a run is still training when its silo goes.
        var settings = new EvaluationSettings(Folds: 2, Epochs: 6, ImageSize: 64, BatchSize: 4, DecoderChannels: [32, 32, 16, 16, 16], Mixed: false);
        var spec = EvaluationTests.Spec("evalfault", 6, settings, skip: 100);
        var grain = cluster.Client.GetGrain<IEvaluationCoordinatorGrain>(spec.EvaluationId);
        var accepted = await grain.Submit(spec);

        Orleans.Runtime.SiloAddress? victim = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (victim is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no run started training in time");
            foreach (var run in (await grain.GetStatus()).Runs.Where(r => r.Phase == EvaluationRunPhase.Running && r.Epoch >= 1))
            {
                var id = cluster.Client.GetGrain<IEvaluationRunGrain>(EvaluationKeys.RunGrain(spec.EvaluationId, run.Key)).GetGrainId();
                if (cluster.TryGetGrainContext(id, out var context) && context.Address.SiloAddress is { } silo)
                {
                    victim = silo;
                    output.WriteLine($"killing {silo} while it trains {run.Key} (epoch {run.Epoch}/{run.Epochs})");
                    break;
                }
            }
            if (victim is null) await Task.Delay(100);
        }
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress == victim));

        EvaluationStatus status;
        deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        while (true)
        {
            try
            {
                status = await grain.GetStatus();
                if (status.IsFinished) break;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                status = null!; // the coordinator may have lived on the killed silo: ask again
            }
            Assert.True(DateTime.UtcNow < deadline, "evaluation did not finish after the kill: " +
                (status is null ? "no status" : string.Join("; ", status.Runs.Select(r => $"{r.Key} {r.Phase} {r.Error}"))));
            await Task.Delay(500);
        }
        output.WriteLine(string.Join("\n", status.Runs.Select(r => $"{r.Key} {r.Phase} attempts {r.Attempts}")));
        Assert.Equal(EvaluationPhase.Completed, status.Phase);
        Assert.Equal(accepted.Runs.Count, status.Runs.Count);
        Assert.All(status.Runs, r => Assert.Equal(EvaluationRunPhase.Done, r.Phase));

        var options = (Grains.Hosting.SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(Grains.Hosting.SinGanSegOptions))!;
        var container = new BlobContainerClient(azurite.ConnectionString, options.BlobContainer);
        var keys = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, EvaluationKeys.Prefix(spec.EvaluationId), CancellationToken.None)) keys.Add(blob.Name);
        Assert.Equal(status.Runs.Count, keys.Count(k => k.Contains("/runs/", StringComparison.Ordinal)));
        Assert.Contains($"{status.ReportPrefix}report.json", keys);
    }
}
