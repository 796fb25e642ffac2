using System.Text.Json;

namespace SinGanSeg.Core.Tests;

public class EvaluateCommandTests
{
    [Fact]
    public void A_job_with_style_and_evaluate_reports_every_metric_for_real_and_synthetic_data_and_only_the_sets_it_asks_for()
    {
        var data = TestData.NewTempDir("evaluate-data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        foreach (var n in Directory.GetFiles(Path.Combine(TestData.Polyps, "images")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Skip(40).Take(6))
        {
            File.Copy(TestData.PolypImage(n!), Path.Combine(data, "images", n + ".jpg"));
            File.Copy(TestData.PolypMask(n!), Path.Combine(data, "masks", n + ".jpg"));
        }
        var output = Path.Combine(data, "out");
        var (code, stdout, stderr) = CliProcess.Run("run", "--images", Path.Combine(data, "images"), "--masks", Path.Combine(data, "masks"), "--out", output,
            "--preset", "tiny", "--samples-per-image", "2", "--style", "1:1000", "--style-steps", "5",
            "--evaluate", "--eval-folds", "2", "--eval-epochs", "2", "--eval-image-size", "64");
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        Assert.Contains("evaluation report in", stdout);

        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "evaluation", "report.json"))).RootElement;
        var sets = report.GetProperty("summary").EnumerateArray().ToDictionary(s => s.GetProperty("set").GetString()!);
        Assert.Equal(["real", "synthetic-raw", "synthetic-styled", "real+synthetic-raw", "real+synthetic-styled"], sets.Keys);
        foreach (var (_, set) in sets)
            foreach (var metric in new[] { "iou", "dice", "precision", "recall", "accuracy" })
            {
                var spread = set.GetProperty(metric);
                Assert.True(spread.GetProperty("mean").GetDouble() is >= 0 and <= 1, metric);
                Assert.Equal(2, spread.GetProperty("folds").GetInt32());
            }
        // Synthetic-only runs train on the samples of the fold's training images only (2 per image).
        foreach (var run in report.GetProperty("runs").EnumerateArray().Where(r => r.GetProperty("set").GetString() == "synthetic-raw"))
            Assert.Equal(2 * runsReal(report, run.GetProperty("fold").GetInt32()), run.GetProperty("trainPairs").GetInt32());
        Assert.True(File.Exists(Path.Combine(output, "evaluation", "dice.svg")));
        Assert.Contains("| real |", File.ReadAllText(Path.Combine(output, "evaluation", "report.md")));
        // The dataset card in OUT is the one rewritten after the evaluation, with its results.
        var card = File.ReadAllText(Path.Combine(output, "dataset_card.md"));
        Assert.Contains("| real | unetpp |", card);
        Assert.Contains("| synthetic-styled | unetpp |", card);

        // The same job asking for some sets, among them a balanced mix: exactly those are reported.
        var some = Path.Combine(data, "out-sets");
        (code, stdout, stderr) = CliProcess.Run("run", "--images", Path.Combine(data, "images"), "--masks", Path.Combine(data, "masks"), "--out", some,
            "--preset", "tiny", "--samples-per-image", "2", "--style", "1:1000", "--style-steps", "5",
            "--evaluate", "--eval-folds", "2", "--eval-epochs", "2", "--eval-image-size", "64",
            "--eval-mix-real-share", "0.5", "--eval-sets", "real,synthetic-styled,real+synthetic-raw-balanced");
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        var kept = JsonDocument.Parse(File.ReadAllText(Path.Combine(some, "evaluation", "report.json"))).RootElement;
        Assert.Equal(["real", "synthetic-styled", "real+synthetic-raw-balanced"], kept.GetProperty("summary").EnumerateArray().Select(s => s.GetProperty("set").GetString()!));

        static int runsReal(JsonElement report, int fold) => report.GetProperty("runs").EnumerateArray()
            .Single(r => r.GetProperty("fold").GetInt32() == fold && r.GetProperty("set").GetString() == "real").GetProperty("trainPairs").GetInt32();
    }

    [Fact]
    public void Evaluate_refuses_bad_input_with_the_fix()
    {
        var dir = TestData.NewTempDir("evaluate-bad");
        var (code, _, err) = CliProcess.Run("evaluate", "--real", dir, "--synthetic", dir, "--out", Path.Combine(dir, "o"));
        Assert.Equal(2, code);
        Assert.Contains("not found", err);
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        (code, _, err) = CliProcess.Run("evaluate", "--real", TestData.Polyps, "--synthetic", dir, "--out", Path.Combine(dir, "o"), "--image-size", "100");
        Assert.Equal(2, code);
        Assert.Contains("multiple of 32", err);
        (code, _, err) = CliProcess.Run("evaluate", "--real", TestData.Polyps, "--synthetic", dir, "--out", Path.Combine(dir, "o"), "--model", "unetpp,resnet");
        Assert.Equal(2, code);
        Assert.Contains("unknown segmentation model 'resnet'", err);
        (code, _, err) = CliProcess.Run("evaluate", "--real", TestData.Polyps, "--synthetic", dir, "--out", Path.Combine(dir, "o"), "--sets", "synthetic-raw,real+synthetic-raw-balanced");
        Assert.Equal(2, code);
        Assert.Contains("must include 'real'", err);
        // A job's evaluation settings are checked when it is submitted, not after days of training.
        (code, _, err) = CliProcess.Run("run", "--images", Path.Combine(TestData.Polyps, "images"), "--masks", Path.Combine(TestData.Polyps, "masks"),
            "--out", Path.Combine(dir, "run"), "--preset", "tiny", "--evaluate", "--eval-sets", "real,real+synthetic-raw-balanced");
        Assert.Equal(2, code);
        Assert.Contains("'real+synthetic-raw-balanced' needs a mix real share", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "run", ".singanseg", "artifacts")), "nothing was trained");
    }
}
