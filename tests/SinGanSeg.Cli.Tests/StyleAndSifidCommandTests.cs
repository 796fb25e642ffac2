using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace SinGanSeg.Core.Tests;

public class StyleAndSifidCommandTests
{
    private const string Pair = "cju0s2a9ekvms080138tjjpxr";

    /// <summary>A real polyp image shrunk to sample size, saved under a sample-like name.</summary>
    private static string Sample(string dir, string id, string suffix, int seed)
    {
        var path = Path.Combine(dir, $"{id}_seed1_{suffix}.png");
        using var image = Image.Load<Rgb24>(TestData.PolypImage(id));
        image.Mutate(x => x.Resize(56, 48).Rotate(seed * 90));
        image.SaveAsPng(path);
        return path;
    }

    [Fact]
    public void Style_restyles_a_batch_and_sifid_scores_it_against_the_real_images()
    {
        var dir = TestData.NewTempDir("cli-style");
        var fakes = Path.Combine(dir, "fake");
        Directory.CreateDirectory(fakes);
        var a = Sample(fakes, Pair, "0000", 0);
        var b = Sample(fakes, Pair, "0001", 2);
        var styled = Path.Combine(dir, "styled");
        Directory.CreateDirectory(styled);

        var (code, stdout, stderr) = CliProcess.Run("style", "--content", a, b, "--style", TestData.PolypImage(Pair), "--out", styled,
            "--ratio", "1:1000", "--steps", "20", "--threads", "2");
        Assert.True(code == 0, stderr);
        Assert.Contains("steps/s", stdout);
        var outA = Path.Combine(styled, Path.GetFileName(a));
        using (var before = Image.Load<Rgb24>(a))
        using (var after = Image.Load<Rgb24>(outA))
        {
            Assert.Equal((before.Width, before.Height), (after.Width, after.Height));
            var moved = 0;
            for (var y = 0; y < before.Height; y++)
                for (var x = 0; x < before.Width; x++)
                    if (Math.Abs(before[x, y].R - after[x, y].R) > 2) moved++;
            Assert.True(moved > before.Width * before.Height / 10, $"only {moved} pixels changed");
        }

        var reals = Path.Combine(dir, "real");
        Directory.CreateDirectory(reals);
        File.Copy(TestData.PolypImage(Pair), Path.Combine(reals, Pair + ".jpg"));
        (code, stdout, stderr) = CliProcess.Run("sifid", "--real", reals, "--fake", fakes);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Count(l => l.Contains(Pair + ".jpg")));
        var mean = lines.Single(l => l.StartsWith("SIFID-ResNet18-stem mean over 2 pairs:", StringComparison.Ordinal));
        Assert.True(double.Parse(mean.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public void Style_and_sifid_refuse_bad_input_with_the_fix()
    {
        var dir = TestData.NewTempDir("cli-style-bad");
        var sample = Sample(dir, Pair, "0000", 0);
        var (code, _, err) = CliProcess.Run("style", "--content", sample, "--style", TestData.PolypImage(Pair), "--out", Path.Combine(dir, "o.png"), "--network", "vgg16");
        Assert.Equal(2, code);
        Assert.Contains("--weights", err);

        (code, _, err) = CliProcess.Run("style", "--content", sample, "--style", TestData.PolypImage(Pair), "--out", Path.Combine(dir, "o.png"), "--ratio", "lots");
        Assert.Equal(2, code);
        Assert.Contains("1:1000", err);

        (code, _, err) = CliProcess.Run("style", "--content", sample, "--style", Path.Combine(dir, "missing.jpg"), "--out", Path.Combine(dir, "o.png"));
        Assert.Equal(2, code);
        Assert.Contains("missing.jpg", err);

        var reals = TestData.NewTempDir("cli-sifid-reals");
        File.Copy(TestData.PolypImage("cju0s690hkp960855tjuaqvv0"), Path.Combine(reals, "cju0s690hkp960855tjuaqvv0.jpg"));
        (code, _, err) = CliProcess.Run("sifid", "--real", reals, "--fake", dir);
        Assert.Equal(2, code);
        Assert.Contains("no real image of the same name", err);
    }
}
