using System.Security.Cryptography;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The embedded default survives kill -9 at any moment: the same 'singanseg run' killed at seeded
/// moments (starting up, training, generating, exporting), then run to the end, leaves every
/// pair exactly once and no temporary files, and a further run changes nothing.
/// </summary>
public class RunKillTests(ITestOutputHelper output)
{
    private const int Seed = 20261202;

    [Fact]
    public void Run_killed_at_seeded_moments_then_rerun_has_every_pair_once_and_a_further_run_changes_nothing()
    {
        var data = TestData.NewTempDir("run-kill");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        var names = Directory.GetFiles(Path.Combine(TestData.Polyps, "images")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Skip(60).Take(2).ToList();
        foreach (var n in names)
        {
            File.Copy(TestData.PolypImage(n!), Path.Combine(data, "images", n + ".jpg"));
            File.Copy(TestData.PolypMask(n!), Path.Combine(data, "masks", n + ".jpg"));
        }
        var outDir = Path.Combine(data, "out");
        string[] args = ["run", "--images", Path.Combine(data, "images"), "--masks", Path.Combine(data, "masks"), "--out", outDir,
            "--preset", "tiny", "--iters", "6", "--samples-per-image", "2", "--seed", "4"];

        // Seeded moments after the start: early ones land in start-up, later ones in training,
        // sampling or the export. Each kill is of the whole process (and of its relaunched child with it).
        var random = new Random(Seed);
        var moments = Enumerable.Range(0, 3).Select(_ => TimeSpan.FromMilliseconds(random.Next(1500, 15000))).ToList();
        foreach (var moment in moments)
        {
            using var run = CliProcess.Start(args);
            var exited = run.WaitForExitOrKill(moment, 9);
            output.WriteLine($"kill at {moment.TotalSeconds:F1}s: {(exited ? "had already finished" : "killed")}");
        }

        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.True(code == 0, $"seed {Seed}, kills at {string.Join(", ", moments)}\n{stdout}\n{stderr}");
        var expected = names.SelectMany(n => Enumerable.Range(0, 2).Select(i => $"{n}_seed4_{i:D4}.png")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Listing(Path.Combine(outDir, "images")));
        Assert.Equal(expected, Listing(Path.Combine(outDir, "masks")));
        var lines = File.ReadAllLines(Path.Combine(outDir, "manifest.jsonl"));
        Assert.Equal(expected.Count, lines.Length);
        Assert.Equal(expected.Count, lines.Distinct().Count());
        Assert.All(expected, e => Assert.Single(lines, l => l.Contains($"\"images/{Path.GetFileName(e)}\"", StringComparison.Ordinal)));
        var leftovers = Directory.GetFileSystemEntries(outDir, "*", SearchOption.AllDirectories).Where(p => IsTemporary(Path.GetFileName(p))).ToList();
        Assert.True(leftovers.Count == 0, "temporary files left: " + string.Join(", ", leftovers));

        // A further run of the finished job: nothing in the dataset or the models is written again.
        var before = Snapshot(outDir);
        var again = CliProcess.Run(args);
        Assert.True(again.Code == 0, $"{again.Stdout}\n{again.Stderr}");
        Assert.Equal(before, Snapshot(outDir));
    }

    private static bool IsTemporary(string name) =>
        name.EndsWith(".tmp", StringComparison.Ordinal) || name.EndsWith(".download", StringComparison.Ordinal) || name.Contains(".partial-", StringComparison.Ordinal);

    private static List<string> Listing(string dir) => [.. Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    /// <summary>The dataset and the checkpoints: name, content hash and write time.</summary>
    private static List<string> Snapshot(string outDir) =>
    [
        .. new[] { "images", "masks", ".singanseg/artifacts/models" }
            .Select(d => Path.Combine(outDir, d))
            .SelectMany(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories))
            .Append(Path.Combine(outDir, "manifest.jsonl"))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(outDir, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))[..16]} {File.GetLastWriteTimeUtc(f):O}"),
    ];
}
