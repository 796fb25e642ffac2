using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Tests.Segmentation;

/// <summary>The paired difference with real-only and its 95 % interval, as report.md and the quality study print them.</summary>
public sealed class PairedDifferenceTests
{
    [Theory]
    // Printed tables to three decimals (1–30), and R's qt(0.975, df) beyond: 31 → 2.0395, 40 → 2.0211, 120 → 1.9799, 1000 → 1.9623.
    [InlineData(1, 12.706, 1e-9)]
    [InlineData(2, 4.303, 1e-9)]
    [InlineData(11, 2.201, 1e-9)]
    [InlineData(30, 2.042, 1e-9)]
    [InlineData(31, 2.0395, 1e-4)]
    [InlineData(40, 2.0211, 1e-4)]
    [InlineData(120, 1.9799, 1e-4)]
    [InlineData(1000, 1.9623, 1e-4)]
    public void Student_t_quantile_matches_the_tables(int df, double expected, double tolerance) =>
        Assert.Equal(expected, StudentT.Quantile975(df), tolerance);

    [Fact]
    public void The_interval_is_the_mean_plus_minus_t_times_the_standard_error()
    {
        // Mean 0.02, std 0.03 (differences -0.01, 0.02, 0.05), n = 3: half-width 4.303 * 0.03 / sqrt(3) = 0.07453.
        var paired = PairedDifference.Of([-0.01, 0.02, 0.05])!;
        Assert.Equal(0.02, paired.Mean, 12);
        Assert.Equal(0.03, paired.Std, 12);
        Assert.Equal(0.02 - 4.303 * 0.03 / Math.Sqrt(3), paired.Low, 12);
        Assert.Equal(0.02 + 4.303 * 0.03 / Math.Sqrt(3), paired.High, 12);
        Assert.Equal(2, paired.FoldsAtOrAbove);
        Assert.Equal("+0.020 ± 0.030 (95 % CI −0.055 … +0.095), 2/3 folds ≥ real", paired.ToString());
        Assert.Null(PairedDifference.Of([0.1]));
    }

    [Fact]
    public void Report_pairs_each_set_with_real_only_on_the_same_fold()
    {
        // Real-only varies a lot between folds, synthetic follows it closely: the paired interval is
        // narrow although both sets' spreads are wide.
        double[] real = [0.30, 0.50, 0.40], synthetic = [0.33, 0.52, 0.43];
        var results = new List<EvaluationResult>();
        for (var fold = 0; fold < 3; fold++)
            foreach (var (set, dice) in new[] { ("real", real[fold]), ("synthetic-raw", synthetic[fold]) })
                results.Add(new EvaluationResult(EvaluationPlanner.KeyOf("unet", fold, set), fold, set, null, 10, 3, 20, 2, 0.3,
                    new SegmentationScores(dice * 0.8, dice, 0.5, 0.6, 0.9), 12, "unet", 40));
        var dir = TestData.NewTempDir("evaluation-report-paired");
        EvaluationReport.Write(dir, "paired", results, new { });

        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        var expected = PairedDifference.Of([0.03, 0.02, 0.03])!;
        Assert.Equal(0.08 / 3, expected.Mean, 12);
        Assert.True(expected.Low > 0, "the three folds all gain 0.02–0.03: the interval excludes zero");
        Assert.Contains("targets for a dataset to share: synthetic-only ≥ 90 %, real + synthetic ≥ 100 %", md);
        Assert.Contains($"- synthetic-raw: 106.7 %; paired {expected}", md);
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json"))).RootElement.GetProperty("paired");
        var row = Assert.Single(json.EnumerateArray());
        Assert.Equal("synthetic-raw", row.GetProperty("set").GetString());
        Assert.Equal(expected.Low, row.GetProperty("dice").GetProperty("low").GetDouble(), 12);
        Assert.Equal(3, row.GetProperty("dice").GetProperty("folds").GetInt32());
    }
}
