namespace SinGanSeg.Deploy.Tests;

/// <summary>
/// `singanseg` as a .NET tool, as a user gets it: packed to a local feed, installed with
/// `dotnet tool install --tool-path`, run. The tool is RID-specific: SinGanSeg.Cli names its
/// platform package, SinGanSeg.Cli.linux-x64, which carries the CPU libtorch and the libstdc++
/// compatibility copy, so the installed tool is the whole CLI: it trains a model.
/// </summary>
[Collection(PublishCollection.Name)]
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
            // Not --no-build: a RID-specific pack publishes the linux-x64 build, which the solution's
            // build does not make (it goes to bin/<configuration>/net10.0/linux-x64/ and obj/…/linux-x64/,
            // apart from what other test processes use, and shared with the image publishes, hence the
            // collection; the libraries it references are up to date).
            var (code, output) = Tool.Run("dotnet", ["pack", Path.Combine(RepoPaths.Root, "src", "SinGanSeg.Cli"), "-c", configuration, "-m:1", "-o", feed],
                RepoPaths.Root, DotnetHint, TimeSpan.FromMinutes(15));
            Assert.True(code == 0, output);
            var packages = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.True(packages.Count == 2, string.Join(", ", packages));
            // The pointer package: no files of the tool, only the RID packages it stands for.
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Directory.GetFiles(feed, "SinGanSeg.Cli.1*.nupkg").Single()))
            {
                Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".dll", StringComparison.Ordinal) || e.FullName.EndsWith(".so", StringComparison.Ordinal));
                using var settings = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal)).Open());
                Assert.Contains("RuntimeIdentifier=\"linux-x64\" Id=\"SinGanSeg.Cli.linux-x64\"", settings.ReadToEnd());
            }
            // The linux-x64 package holds the tool, framework-dependent (no runtime of its own), and the
            // natives next to it: the CPU libtorch, and on hosts that need it the libstdc++ copy.
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Directory.GetFiles(feed, "SinGanSeg.Cli.linux-x64.*.nupkg").Single()))
            {
                Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/linux-x64/singanseg");
                Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/linux-x64/libtorch_cpu.so");
                Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith("System.Private.CoreLib.dll", StringComparison.Ordinal));
                if (File.Exists(Path.Combine(RepoPaths.Root, ".native", "lib", "libstdc++.so.6")))
                    Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/linux-x64/native-compat/libstdc++.so.6");
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
