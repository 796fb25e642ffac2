namespace SinGanSeg.Core.Tests;

/// <summary>The embedded 'singanseg run' as a user runs it: killed mid-training, run again, finished.</summary>
public class RunCommandTests
{
    [Fact]
    public void Killed_and_restarted_run_finishes_without_retraining_completed_scales()
    {
        var data = TestData.NewTempDir("run-data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        var names = Directory.GetFiles(Path.Combine(TestData.Polyps, "images")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Skip(12).Take(3).ToList();
        foreach (var n in names)
        {
            File.Copy(TestData.PolypImage(n!), Path.Combine(data, "images", n + ".jpg"));
            File.Copy(TestData.PolypMask(n!), Path.Combine(data, "masks", n + ".jpg"));
        }
        var output = Path.Combine(data, "out");
        string[] args = ["run", "--images", Path.Combine(data, "images"), "--masks", Path.Combine(data, "masks"), "--out", output,
            "--preset", "tiny", "--iters", "80", "--samples-per-image", "2", "--seed", "3"];
        var models = Path.Combine(output, ".singanseg", "artifacts", "models");

        Dictionary<string, DateTime> before;
        using (var first = CliProcess.Start(args))
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (Checkpoints(models).Count < 2 && DateTime.UtcNow < deadline) Thread.Sleep(200);
            Assert.True(Checkpoints(models).Count >= 2, $"no two scales finished in time\n{first.Stdout}\n{first.Stderr}");
            first.Signal(9);
            first.WaitForExit(TimeSpan.FromSeconds(30));
            Thread.Sleep(500);
            // Only scales the model manifest committed count as done: a kill between a scale's
            // upload and its manifest commit leaves that scale to be trained again, by design.
            before = Committed(models);
            Assert.True(before.Count >= 1, "no scale was committed before the kill");
        }
        Assert.False(Directory.Exists(Path.Combine(output, "images")) && Directory.GetFiles(Path.Combine(output, "images")).Length == 6, "the first run must not have finished");

        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        var after = Checkpoints(models);
        foreach (var (file, written) in before)
            Assert.True(after[file] == written, $"{file} was written again after the restart");
        Assert.True(after.Count > before.Count);

        var images = Directory.GetFiles(Path.Combine(output, "images")).Select(Path.GetFileName).Order().ToList();
        var masks = Directory.GetFiles(Path.Combine(output, "masks")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(names.SelectMany(n => new[] { $"{n}_seed3_0000.png", $"{n}_seed3_0001.png" }).Order(), images);
        Assert.Equal(images, masks);
        var lines = File.ReadAllLines(Path.Combine(output, "manifest.jsonl"));
        Assert.Equal(6, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"sourceImageSha256\"", l));
    }

    /// <summary>The netG.pth of every scale each model's manifest lists as committed, with its write time.</summary>
    private static Dictionary<string, DateTime> Committed(string models)
    {
        var committed = new Dictionary<string, DateTime>();
        foreach (var model in Directory.Exists(models) ? Directory.GetDirectories(models) : [])
        {
            var manifest = Path.Combine(model, "manifest.json");
            if (!File.Exists(manifest)) continue;
            var scales = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest)).RootElement.GetProperty("scales").GetArrayLength();
            for (var i = 0; i < scales; i++)
            {
                var file = Path.Combine(model, "scales", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "netG.pth");
                committed[file] = File.GetLastWriteTimeUtc(file);
            }
        }
        return committed;
    }

    private static Dictionary<string, DateTime> Checkpoints(string models) =>
        Directory.Exists(models)
            ? Directory.GetFiles(models, "netG.pth", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc)
            : [];
}
