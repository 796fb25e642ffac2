using System.Text.Json;
using SinGanSeg.Bench;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Segmentation;
using SinGanSeg.Core.Training;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The quality study's pooling of splits (bench/evaluation/study.json "pools"): each fold pairs with
/// real-only on the same fold of its own split, never with another split's fold of the same number.
/// </summary>
public class QualityStudyTests
{
    private static EvaluationResult Run(string model, int fold, string set, double dice) =>
        new(EvaluationPlanner.KeyOf(model, fold, set), fold, set, null, set == TrainingSets.Real ? 13 : 130, 3, 180, 2, 0.3,
            new SegmentationScores(dice * 0.8, dice, 0.5, 0.6, 0.9), 12, model, 152);

    [Fact]
    public void Pooled_splits_pair_each_fold_with_its_own_split_and_keep_only_evaluators_of_every_split()
    {
        var dir = TestData.NewTempDir("quality-study");
        // Split 1: both evaluators; split 2: UNet++ only. The folds have the same numbers in both splits.
        EvaluationReport.Write(Path.Combine(dir, "split1"), "split 1",
        [
            Run("unetpp", 0, "real", 0.50), Run("unetpp", 0, "synthetic-raw", 0.55),
            Run("unetpp", 1, "real", 0.40), Run("unetpp", 1, "synthetic-raw", 0.38),
            Run("unet", 0, "real", 0.30), Run("unet", 0, "synthetic-raw", 0.33),
        ], new { });
        EvaluationReport.Write(Path.Combine(dir, "split2"), "split 2",
        [
            Run("unetpp", 0, "real", 0.60), Run("unetpp", 0, "synthetic-raw", 0.58),
            Run("unetpp", 1, "real", 0.20), Run("unetpp", 1, "synthetic-raw", 0.30),
        ], new { });
        var dataset = Directory.CreateDirectory(Path.Combine(dir, "dataset")).FullName;
        var study = new QualityStudy.Study("pooling", [
                new("split 1", dataset, [Path.Combine(dir, "split1")]),
                new("split 2", dataset, [Path.Combine(dir, "split2")])],
            Pools: [new("splits 1+2", ["split 1", "split 2"])]);
        var file = Path.Combine(dir, "study.json");
        File.WriteAllText(file, JsonSerializer.Serialize(study, BenchJson.Options));

        var result = QualityStudy.Run(file);

        var pooled = Assert.Single(result.Pooled!, s => s.Set == "synthetic-raw");
        Assert.Equal("unetpp", pooled.Model);   // the U-Net judged one split only
        Assert.Equal(4, pooled.Folds);
        // Paired with the own split: +0.05, -0.02, -0.02, +0.10 (pairing by fold number alone would give +0.08 and -0.10 for split 2).
        Assert.Equal((0.05 - 0.02 - 0.02 + 0.10) / 4, pooled.Paired!.Mean, 9);
        Assert.Equal(2, pooled.Paired.FoldsAtOrAbove);
        var paired = PairedDifference.Of([0.05, -0.02, -0.02, 0.10])!;   // 95 % interval from t with 3 degrees of freedom
        Assert.Equal(paired.Low, pooled.Paired.Low, 12);
        Assert.Equal(paired.High, pooled.Paired.High, 12);
        Assert.Equal(3.182, (paired.High - paired.Mean) / (paired.Std / 2), 9);
        Assert.Equal((0.55 + 0.38 + 0.58 + 0.30) / (0.50 + 0.40 + 0.60 + 0.20), pooled.ShareOfReal!.Value, 9);
        Assert.Contains("**UNet++ (ImageNet ResNet18), splits pooled**", QualityStudy.Markdown(result));
        // The figures draw a pool once in place of its splits, for the evaluators that judged every split; the U-Net's one split stays.
        static List<string> Groups(string svg) => [.. System.Xml.Linq.XDocument.Parse(svg).Descendants()
            .Select(e => e.Attribute("data-group")?.Value).OfType<string>().Distinct()];
        var figures = QualityStudy.Figures(result);
        Assert.Equal(["splits 1+2 · NaN s training / image"], Groups(figures["unetpp"]));
        Assert.Equal(["split 1 · NaN s training / image"], Groups(figures["unet"]));
        // The splits themselves are still reported one by one.
        Assert.Equal(0.015, result.Sets.Single(s => s.Configuration == "split 1" && s.Model == "unetpp" && s.Set == "synthetic-raw").Paired!.Mean, 9);
    }

    [Fact]
    public void The_cost_row_averages_the_timed_models_and_says_how_many_were_left_out()
    {
        var dir = TestData.NewTempDir("quality-study-cost");
        var dataset = Directory.CreateDirectory(Path.Combine(dir, "dataset")).FullName;
        // Three models as the trainer writes them; "paused" trained through a stop of the job (its scales' wall time holds it).
        var config = Presets.Fast;
        var geometry = PyramidGeometry.Compute(110, 128, config.MinSize, config.MaxSize, config.ScaleFactor);
        foreach (var (id, seconds) in new[] { ("a", new[] { 100.0, 900.0 }), ("b", new[] { 200.0, 1000.0 }), ("paused", new[] { 300.0, 4000.0 }) })
        {
            var manifest = new ModelManifest
            {
                ModelId = id, Input = new InputInfo(id, "sha", 110, 128, 0.1), Config = config, Seed = 1, Geometry = geometry, Engine = "test",
                Scales = [.. seconds.Select((s, i) => new ScaleRecord(i, 26, 30, 32, 1, 500, s, DateTimeOffset.UnixEpoch, 0.1))],
            };
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(dataset, ".singanseg", "artifacts", "models", id)).FullName, "manifest.json"), manifest.ToJson());
        }
        File.WriteAllLines(Path.Combine(dataset, "manifest.jsonl"), new[] { "a", "b", "paused" }.Select(id => JsonSerializer.Serialize(new { sourceImage = id })));
        EvaluationReport.Write(Path.Combine(dir, "report"), "r", [Run("unet", 0, "real", 0.5), Run("unet", 0, "synthetic-raw", 0.5)], new { });
        QualityStudy.Result Study(params string[]? notTimed)
        {
            var file = Path.Combine(dir, "study.json");
            File.WriteAllText(file, JsonSerializer.Serialize(new QualityStudy.Study("cost", [new("fast", dataset, [Path.Combine(dir, "report")], NotTimed: notTimed)]), BenchJson.Options));
            return QualityStudy.Run(file);
        }

        var all = Assert.Single(Study(null).Costs);
        Assert.Equal((1000 + 1200 + 4300) / 3.0, all.TrainingSecondsPerImage, 9);
        Assert.Null(all.TimedModels);
        var timed = Study("paused");
        var cost = Assert.Single(timed.Costs);
        Assert.Equal((1000 + 1200) / 2.0, cost.TrainingSecondsPerImage, 9);
        Assert.Equal((3, 3, 2, 3), (cost.Images, cost.Pairs, cost.TimedModels, cost.Models));
        Assert.Contains("| fast | 1100 (2 of 3 models timed) | 3 | 3 |", QualityStudy.Markdown(timed));
        // A name no model has (a typo would leave the paused model in the figure) and leaving none out are refused.
        Assert.Contains("'pasued'", Assert.Throws<InvalidDataException>(() => Study("pasued")).Message);
        Assert.Throws<InvalidDataException>(() => Study("a", "b", "paused"));
    }

    [Fact]
    public void A_difference_that_rounds_to_zero_is_printed_as_zero()
    {
        // The fast preset's U-Net mix: the interval's lower end was -0.0001, which "+0.000;-0.000" printed as "-+0.000".
        var row = new QualityStudy.SetResult("fast", "unet", "real+synthetic-raw-balanced", 15, 262, 0.397, 0.036, 1.08,
            new PairedDifference(0.029, 0.052, 15, -0.0001, 0.058, 11));
        var markdown = QualityStudy.Markdown(new QualityStudy.Result("t", [], [row]));
        Assert.Contains("| +0.029 ± 0.052 | 0.000 … +0.058 | 11/15 |", markdown);
        Assert.DoesNotContain("-+", markdown);
    }

    [Fact]
    public void A_pool_naming_an_unknown_configuration_is_refused_by_name()
    {
        var dir = TestData.NewTempDir("quality-study");
        EvaluationReport.Write(Path.Combine(dir, "split1"), "split 1", [Run("unetpp", 0, "real", 0.5)], new { });
        var dataset = Directory.CreateDirectory(Path.Combine(dir, "dataset")).FullName;
        var file = Path.Combine(dir, "study.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new QualityStudy.Study("pooling", [new("split 1", dataset, [Path.Combine(dir, "split1")])],
            Pools: [new("both", ["split 1", "split 3"])]), BenchJson.Options));

        var e = Assert.Throws<InvalidDataException>(() => QualityStudy.Run(file));
        Assert.Contains("pool 'both'", e.Message);
        Assert.Contains("'split 3'", e.Message);
    }

    [Fact]
    public void Two_datasets_on_one_split_are_compared_fold_by_fold_and_the_real_only_runs_must_agree()
    {
        var dir = TestData.NewTempDir("dataset-comparison");
        EvaluationReport.Write(Path.Combine(dir, "a"), "64 px",
        [
            Run("unet", 0, "real", 0.40), Run("unet", 0, "synthetic-raw", 0.30), Run("unet", 0, "synthetic-styled", 0.35),
            Run("unet", 1, "real", 0.50), Run("unet", 1, "synthetic-raw", 0.45),
            Run("unet", 2, "real", 0.30), Run("unet", 2, "synthetic-raw", 0.33),
        ], new { });
        // B: the same real-only runs; synthetic-raw +0.04, +0.01, −0.01; a set A lacks is left out.
        EvaluationReport.Write(Path.Combine(dir, "b"), "96 px",
        [
            Run("unet", 0, "real", 0.40), Run("unet", 0, "synthetic-raw", 0.34),
            Run("unet", 1, "real", 0.50), Run("unet", 1, "synthetic-raw", 0.46),
            Run("unet", 2, "real", 0.30), Run("unet", 2, "synthetic-raw", 0.32), Run("unet", 2, "real+synthetic-raw-balanced", 0.5),
        ], new { });
        var result = DatasetComparison.Run(Path.Combine(dir, "a", "report.json"), Path.Combine(dir, "b", "report.json"), "64 px", "96 px");

        var row = Assert.Single(result.Rows);   // synthetic-styled has no fold in B, the balanced mix none in A
        Assert.Equal(("unet", "synthetic-raw", 3), (row.Model, row.Set, row.Folds));
        var expected = PairedDifference.Of([0.04, 0.01, -0.01])!;
        Assert.Equal(expected.Mean, row.BMinusA!.Mean, 12);
        Assert.Equal(expected.Low, row.BMinusA.Low, 12);
        Assert.Equal(2, row.BMinusA.FoldsAtOrAbove);
        Assert.Equal((0.30 + 0.45 + 0.33) / 1.2, row.ShareA, 12);
        Assert.Equal(0, result.RealOnlyMaxDifference["unet"]);
        var markdown = DatasetComparison.Markdown(result);
        Assert.Contains("| unet | synthetic-raw | 3 | 0.360 | 0.373 | 90 % / 93 % | +0.013 ± 0.025 |", markdown);
        Assert.Contains("agree to the bit", markdown);

        // Real-only runs that differ (another host, other settings) are said; no shared real-only fold is refused.
        EvaluationReport.Write(Path.Combine(dir, "c"), "other host", [Run("unet", 0, "real", 0.41), Run("unet", 0, "synthetic-raw", 0.3)], new { });
        Assert.Contains("differ by up to 0.0100 Dice", DatasetComparison.Markdown(
            DatasetComparison.Run(Path.Combine(dir, "a", "report.json"), Path.Combine(dir, "c", "report.json"), "a", "c")));
        EvaluationReport.Write(Path.Combine(dir, "d"), "UNet++ only", [Run("unetpp", 0, "real", 0.41), Run("unetpp", 0, "synthetic-raw", 0.3)], new { });
        Assert.Throws<InvalidDataException>(() => DatasetComparison.Run(Path.Combine(dir, "a", "report.json"), Path.Combine(dir, "d", "report.json"), "a", "d"));
    }

    [Fact]
    public void Splits_are_paired_report_by_report_and_their_folds_pooled()
    {
        var dir = TestData.NewTempDir("dataset-comparison-splits");
        // Split 1 and split 2 share fold numbers 0 and 1: pairing by fold alone would mix the splits up.
        EvaluationReport.Write(Path.Combine(dir, "a1"), "quick, split 1", [Run("unet", 0, "real", 0.40), Run("unet", 0, "synthetic-raw", 0.30), Run("unet", 1, "real", 0.50), Run("unet", 1, "synthetic-raw", 0.45)], new { });
        EvaluationReport.Write(Path.Combine(dir, "a2"), "quick, split 2", [Run("unet", 0, "real", 0.20), Run("unet", 0, "synthetic-raw", 0.25), Run("unet", 1, "real", 0.60), Run("unet", 1, "synthetic-raw", 0.50)], new { });
        EvaluationReport.Write(Path.Combine(dir, "b1"), "fast, split 1", [Run("unet", 0, "real", 0.40), Run("unet", 0, "synthetic-raw", 0.32), Run("unet", 1, "real", 0.50), Run("unet", 1, "synthetic-raw", 0.44)], new { });
        EvaluationReport.Write(Path.Combine(dir, "b2"), "fast, split 2", [Run("unet", 0, "real", 0.20), Run("unet", 0, "synthetic-raw", 0.30), Run("unet", 1, "real", 0.60), Run("unet", 1, "synthetic-raw", 0.53)], new { });
        string R(string name) => Path.Combine(dir, name, "report.json");

        var result = DatasetComparison.Run([R("a1"), R("a2")], [R("b1"), R("b2")], "quick", "fast");

        var row = Assert.Single(result.Rows);
        Assert.Equal(4, row.Folds);
        var expected = PairedDifference.Of([0.02, -0.01, 0.05, 0.03])!;   // split 1 folds 0, 1, then split 2's
        Assert.Equal(expected.Mean, row.BMinusA!.Mean, 12);
        Assert.Equal(expected.Std, row.BMinusA.Std, 12);
        Assert.Equal(3, row.BMinusA.FoldsAtOrAbove);
        Assert.Equal((0.30 + 0.45 + 0.25 + 0.50) / (0.40 + 0.50 + 0.20 + 0.60), row.ShareA, 12);
        Assert.Equal(0, result.RealOnlyMaxDifference["unet"]);

        // Given in the wrong order, the real-only runs no longer agree, and the comparison says so.
        var swapped = DatasetComparison.Run([R("a1"), R("a2")], [R("b2"), R("b1")], "quick", "fast");
        Assert.Equal(0.2, swapped.RealOnlyMaxDifference["unet"], 12);
        Assert.Throws<ArgumentException>(() => DatasetComparison.Run([R("a1"), R("a2")], [R("b1")], "quick", "fast"));

        // Reports that record their split (as `evaluate` writes them) are checked pair by pair: another host could explain
        // a real-only gap, a different seed cannot, so the wrong order is refused by name.
        object Split(int seed) => new { settings = new { folds = 3, imageSize = 64, seed, steps = 152 }, realImages = 20 };
        foreach (var (name, seed) in new[] { ("s1", 1), ("s2", 2), ("t1", 1), ("t2", 2) })
            EvaluationReport.Write(Path.Combine(dir, name), name, [Run("unet", 0, "real", 0.4), Run("unet", 0, "synthetic-raw", 0.3)], Split(seed));
        Assert.Single(DatasetComparison.Run([R("s1"), R("s2")], [R("t1"), R("t2")], "s", "t").Rows);
        var e = Assert.Throws<InvalidDataException>(() => DatasetComparison.Run([R("s1"), R("s2")], [R("t2"), R("t1")], "s", "t"));
        Assert.Contains("split 1: ", e.Message);
        Assert.Contains("has seed 1 but", e.Message);
        Assert.Contains("same order", e.Message);
    }
}
