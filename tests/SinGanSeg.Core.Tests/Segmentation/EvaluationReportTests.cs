using System.Text.Json;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Tests.Segmentation;

public sealed class EvaluationReportTests
{
    [Fact]
    public void Each_model_gets_its_tables_spread_and_charts_and_the_models_are_compared_side_by_side()
    {
        var results = new List<EvaluationResult>();
        foreach (var (model, realDice, synthDice) in new[] { ("unetpp", 0.40, 0.44), ("unet", 0.30, 0.15) })
            for (var fold = 0; fold < 2; fold++)
                foreach (var (set, dice) in new[] { ("real", realDice), ("synthetic-raw", synthDice) })
                {
                    var d = dice + (fold == 0 ? -0.02 : 0.02);
                    results.Add(new EvaluationResult(EvaluationPlanner.KeyOf(model, fold, set), fold, set, null, 10, 3, 20, 2, 0.3,
                        new SegmentationScores(d * 0.8, d, 0.5, 0.6, 0.9), 12, model, 40));
                }
        var dir = TestData.NewTempDir("evaluation-report");
        EvaluationReport.Write(dir, "two models", results, new { steps = 40 });

        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("## Dice by model", md);
        Assert.Contains("| real | 0.400 ± 0.028 | 0.300 ± 0.028 |", md);
        Assert.Contains("| synthetic-raw | 0.440 ± 0.028 (110 % of real) | 0.150 ± 0.028 (50 % of real) |", md);
        Assert.Contains("## UNet++ (ImageNet ResNet18)", md);
        Assert.Contains("## U-Net (from scratch)", md);
        Assert.Contains("same number of gradient steps (40)", md);
        Assert.Contains("| unet-fold1-synthetic-raw | unet | 10 |", md);
        Assert.True(File.Exists(Path.Combine(dir, "dice.svg")));
        Assert.True(File.Exists(Path.Combine(dir, "dice-unet.svg")));

        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json"))).RootElement.GetProperty("summary").EnumerateArray().ToList();
        Assert.Equal(["unetpp/real", "unetpp/synthetic-raw", "unet/real", "unet/synthetic-raw"],
            summary.Select(s => $"{s.GetProperty("model").GetString()}/{s.GetProperty("set").GetString()}"));
        Assert.All(summary, s => Assert.Equal(2, s.GetProperty("dice").GetProperty("folds").GetInt32()));
        Assert.Equal(0.15, summary[3].GetProperty("dice").GetProperty("mean").GetDouble(), 9);
        Assert.Contains("Ran on: not recorded (8 runs).", md);
        Assert.DoesNotContain("not comparable bit for bit", md);
    }

    [Fact]
    public void The_machines_runs_ran_on_are_named_and_a_mix_is_flagged()
    {
        EvaluationResult Run(int fold, string set, string? host) => new(EvaluationPlanner.KeyOf("unet", fold, set), fold, set, null, 10, 3, 20, 2, 0.3,
            new SegmentationScores(0.3, 0.4, 0.5, 0.6, 0.9), 12, "unet", 40, host);
        const string Epyc = "AMD EPYC (family 25, model 17), 2 logical cores, AVX-512";
        const string Xeon = "Intel Xeon (family 6, model 79), 2 logical cores, AVX2";
        var dir = TestData.NewTempDir("evaluation-report-hosts");
        EvaluationReport.Write(dir, "hosts", [Run(0, "real", Epyc), Run(0, "synthetic-raw", Epyc), Run(1, "real", Xeon)], new { });

        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains($"Ran on: {Epyc} (2 runs); {Xeon} (1 runs). Runs on different machines are not comparable bit for bit", md);
        var runs = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json"))).RootElement.GetProperty("runs").EnumerateArray();
        Assert.Equal([Epyc, Epyc, Xeon], runs.Select(r => r.GetProperty("host").GetString()));
    }
}
