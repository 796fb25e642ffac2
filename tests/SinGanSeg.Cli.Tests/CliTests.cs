using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Tests;

public class CliTests
{
    private const string Pair = "cju0s2a9ekvms080138tjjpxr";
    private static string ImagePath => TestData.PolypImage(Pair);
    private static string Mask => TestData.PolypMask(Pair);

    [Theory]
    [InlineData("train", "--image", "x.jpg", "--mask", "y.jpg", "--out", "o", "--preset", "huge")]
    [InlineData("train", "--image", "x.jpg")]
    [InlineData("generate", "--model", ".", "--count", "3")]
    [InlineData("frobnicate")]
    public void Bad_arguments_exit_2_with_usage(params string[] args)
    {
        var (code, _, stderr) = CliProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("error:", stderr);
        Assert.Contains("--help", stderr);
    }

    [Fact]
    public void An_unknown_gate_or_policy_is_refused_naming_what_is_valid()
    {
        var dir = TestData.NewTempDir("cli-gate");
        var (code, _, err) = CliProcess.Run("run", "--images", dir, "--masks", dir, "--out", Path.Combine(dir, "o"), "--gate", "nosuchgate=drop");
        Assert.Equal(2, code);
        Assert.Contains("unknown gate 'nosuchgate'; the gates are", err);
        Assert.Contains("copyCheck", err);

        (code, _, err) = CliProcess.Run("submit", "--job-id", "j", "--images", dir, "--masks", dir, "--gate", "copyCheck=delete");
        Assert.Equal(2, code);
        Assert.Contains("use report, drop, regenerate", err);
    }

    [Fact]
    public void Bad_values_and_inputs_exit_2_naming_the_problem()
    {
        var dir = TestData.NewTempDir("cli-bad");
        var corrupt = Path.Combine(dir, "corrupt.jpg");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(ImagePath).AsSpan(0, 500).ToArray());

        var (code, _, err) = CliProcess.Run("train", "--image", corrupt, "--mask", Mask, "--out", Path.Combine(dir, "m"), "--preset", "tiny");
        Assert.Equal(2, code);
        Assert.Contains(corrupt, err);

        (code, _, err) = CliProcess.Run("train", "--rgba", ImagePath, "--image", ImagePath, "--out", Path.Combine(dir, "m"));
        Assert.Equal(2, code);
        Assert.Contains("either --image and --mask, or --rgba", err);

        (code, _, err) = CliProcess.Run("train", "--image", ImagePath, "--mask", Mask, "--out", Path.Combine(dir, "m"), "--iters", "0");
        Assert.Equal(2, code);
        Assert.Contains("iterations", err);

        (code, _, err) = CliProcess.Run("generate", "--model", dir, "--count", "2", "--out", Path.Combine(dir, "s"));
        Assert.Equal(2, code);
        Assert.Contains("neither a model folder", err);

        (code, _, err) = CliProcess.Run("generate", "--model", TestData.ReferenceFile("trained_model"), "--count", "0", "--out", Path.Combine(dir, "s"));
        Assert.Equal(2, code);
        Assert.Contains("--count must be at least 1", err);

        (code, _, err) = CliProcess.Run("train", "--image", ImagePath, "--mask", Mask, "--out", Path.Combine(dir, "m"), "--device", "cuda:7");
        Assert.Equal(2, code);
        Assert.Contains("cuda", err);
    }

    [Fact]
    public void Train_and_generate_from_a_fresh_shell()
    {
        var dir = TestData.NewTempDir("cli-run");
        var (code, stdout, stderr) = CliProcess.Run("train", "--image", ImagePath, "--mask", Mask, "--out", Path.Combine(dir, "model"), "--preset", "tiny", "--id", "polyp");
        Assert.True(code == 0, stderr);
        Assert.Contains("scale 2/2 done", stdout);
        Assert.DoesNotContain("NNPACK", stderr);
        (code, stdout, stderr) = CliProcess.Run("generate", "--model", Path.Combine(dir, "model"), "--count", "3", "--out", Path.Combine(dir, "out"), "--seed", "4");
        Assert.True(code == 0, stderr);
        var names = Directory.GetFiles(Path.Combine(dir, "out", "images")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["polyp_seed4_0000.png", "polyp_seed4_0001.png", "polyp_seed4_0002.png"], names);
        Assert.Equal(names, Directory.GetFiles(Path.Combine(dir, "out", "masks")).Select(Path.GetFileName).Order());
        using var mask = Image.Load<L8>(Path.Combine(dir, "out", "masks", names[0]!));
        Assert.Equal((40, 35), (mask.Width, mask.Height));
    }

    [Fact]
    public void Sigterm_stops_training_with_130_and_the_same_command_resumes()
    {
        var dir = TestData.NewTempDir("cli-term");
        var model = Path.Combine(dir, "model");
        string[] args = ["train", "--image", ImagePath, "--mask", Mask, "--out", model, "--preset", "tiny", "--iters", "300"];
        using (var p = CliProcess.Start(args))
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!File.Exists(Path.Combine(model, "scales", "0", "netG.pth")) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.True(File.Exists(Path.Combine(model, "scales", "0", "netG.pth")), "scale 0 never finished");
            p.Signal(15);
            var code = p.WaitForExit(TimeSpan.FromMinutes(1));
            Assert.True(code == 130, $"exit {code}\n{p.Stderr}");
            Assert.Contains("run the same command again to resume", p.Stderr);
        }
        var scale0 = File.ReadAllBytes(Path.Combine(model, "scales", "0", "netG.pth"));
        var (again, stdout, stderr) = CliProcess.Run(args);
        Assert.True(again == 0, stderr);
        Assert.Contains("resuming after", stdout);
        Assert.DoesNotContain("scale 0/2 done", stdout);
        Assert.Equal(scale0, File.ReadAllBytes(Path.Combine(model, "scales", "0", "netG.pth")));
    }

    [Fact]
    public void Killing_the_cli_leaves_no_training_behind()
    {
        // On hosts that need the bundled libstdc++ the CLI runs as a relaunched child; SIGKILL on
        // the parent must take the child down too (PR_SET_PDEATHSIG).
        var dir = TestData.NewTempDir("cli-kill");
        using var p = CliProcess.Start(["train", "--image", ImagePath, "--mask", Mask, "--out", Path.Combine(dir, "m"), "--preset", "tiny", "--iters", "5000"]);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(Path.Combine(dir, "m", "manifest.json")) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        var children = p.Children();
        var needsRelaunch = File.ReadAllText(Path.Combine(TestData.RepoRoot, ".native", "mode")).Trim() == "compat";
        Assert.True(!needsRelaunch || children.Count == 1, $"expected one relaunched child, found {children.Count}");
        p.Signal(9);
        p.WaitForExit(TimeSpan.FromSeconds(30));
        var gone = DateTime.UtcNow.AddSeconds(10);
        while (children.Any(c => Directory.Exists($"/proc/{c}")) && DateTime.UtcNow < gone) Thread.Sleep(100);
        Assert.All(children, c => Assert.False(Directory.Exists($"/proc/{c}") && !File.ReadAllText($"/proc/{c}/stat").Contains(") Z "), $"child {c} still running"));
    }
}
