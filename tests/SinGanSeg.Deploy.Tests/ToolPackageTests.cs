namespace SinGanSeg.Deploy.Tests;

/// <summary>
/// `singanseg` as a .NET tool, as a user gets it: packed to a local feed, installed with
/// `dotnet tool install --tool-path`, run. The package carries the CPU libtorch (linux-x64) and
/// the libstdc++ compatibility copy, so the installed tool is the whole CLI: it trains a model.
/// </summary>
public sealed class ToolPackageTests
{
    private const string DotnetHint = "It needs the .NET SDK (dotnet) on PATH.";

    [Fact]
    public void Packed_tool_installs_from_a_local_feed_and_runs()
    {
        var work = Path.Combine(Path.GetTempPath(), "singanseg-tests", $"tool-{Guid.NewGuid():N}");
        var feed = Path.Combine(work, "feed");
        var tools = Path.Combine(work, "tools");
        Directory.CreateDirectory(work);
        try
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            // --no-build: the solution is built already (the tests run after it), and a build here would race other test processes.
            var (code, output) = Tool.Run("dotnet", ["pack", Path.Combine(RepoPaths.Root, "src", "SinGanSeg.Cli"), "-c", configuration, "--no-build", "-o", feed],
                RepoPaths.Root, DotnetHint, TimeSpan.FromMinutes(15));
            Assert.True(code == 0, output);
            // The package holds the natives: the CPU libtorch for linux-x64, and on hosts that need it the libstdc++ copy.
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Directory.GetFiles(feed, "SinGanSeg.Cli.*.nupkg").Single()))
            {
                Assert.Contains(zip.Entries, e => e.FullName.EndsWith("runtimes/linux-x64/native/libtorch_cpu.so", StringComparison.Ordinal));
                if (File.Exists(Path.Combine(RepoPaths.Root, ".native", "lib", "libstdc++.so.6")))
                    Assert.Contains(zip.Entries, e => e.FullName.EndsWith("native-compat/libstdc++.so.6", StringComparison.Ordinal));
            }

            (code, output) = Tool.Run("dotnet", ["tool", "install", "SinGanSeg.Cli", "--tool-path", tools, "--add-source", feed, "--prerelease"],
                work, DotnetHint, TimeSpan.FromMinutes(10));
            Assert.True(code == 0, output);
            (code, output) = Tool.Run(Path.Combine(tools, "singanseg"), ["--help"], work, DotnetHint);
            Assert.True(code == 0, output);
            foreach (var command in new[] { "run", "serve", "submit", "evaluations" }) Assert.Contains(command, output);

            // And it trains: the packed libtorch loads (through the compatibility copy where the host needs it).
            var sample = Path.Combine(RepoPaths.Root, "samples", "kvasir-seg");
            var name = Path.GetFileName(Directory.GetFiles(Path.Combine(sample, "images")).Order(StringComparer.Ordinal).First());
            (code, output) = Tool.Run(Path.Combine(tools, "singanseg"),
                ["train", "--image", Path.Combine(sample, "images", name), "--mask", Path.Combine(sample, "masks", name), "--out", Path.Combine(work, "model"),
                 "--preset", "tiny", "--iters", "1", "--device", "cpu"], work, DotnetHint, TimeSpan.FromMinutes(10));
            Assert.True(code == 0, output);
            Assert.Contains("ready in", output);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }
}
