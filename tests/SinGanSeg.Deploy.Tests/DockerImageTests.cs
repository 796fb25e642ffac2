namespace SinGanSeg.Deploy.Tests;

/// <summary>
/// No Docker engine runs here, so the images are checked through what decides whether they
/// work: the CPU and CLI Dockerfiles' own publish commands are run, and the published app must
/// contain what the runtime stage copies and starts (the CLI's is started, as its image would).
/// The GPU Dockerfile cannot be published here (its CUDA libtorch is not on this machine's
/// package source); it must run the same command as the CPU one. The tests of one class run one
/// after another, and with the tool pack's (<see cref="PublishCollection"/>), so the publishes
/// (which share the silo's projects) never overlap.
/// </summary>
[Collection(PublishCollection.Name)]
public sealed class DockerImageTests
{
    private static Dockerfile Cpu => new(System.IO.Path.Combine(RepoPaths.DockerDir, "Dockerfile.cpu"));
    private static Dockerfile Gpu => new(System.IO.Path.Combine(RepoPaths.DockerDir, "Dockerfile.gpu"));
    private static Dockerfile Cli => new(System.IO.Path.Combine(RepoPaths.DockerDir, "Dockerfile.cli"));

    /// <summary>TorchSharp's native runtime, flattened next to the app by the linux-x64 publish.</summary>
    private static readonly string[] TorchNativeFiles = ["libLibTorchSharp.so", "libtorch.so", "libtorch_cpu.so", "libc10.so"];

    [Fact]
    public void CpuPublishHasWhatTheImageRuns()
    {
        var docker = Cpu;
        var command = docker.PublishCommand();
        Assert.Equal("dotnet", command[0]);
        var outIndex = Array.IndexOf(command, "-o");
        Assert.True(outIndex > 0, "the publish command must name its output with -o");
        var imagePublishDir = command[outIndex + 1];
        Assert.Contains("-p:TorchBackend=cpu", command);

        var output = Directory.CreateTempSubdirectory("singanseg-publish-").FullName;
        try
        {
            command[outIndex + 1] = output;
            var (exit, log) = Tool.Run(command[0], command.Skip(1), RepoPaths.Root, "the .NET SDK is needed", TimeSpan.FromMinutes(15));
            Assert.True(exit == 0, $"{string.Join(' ', command)} failed:\n{log}");

            // The runtime stage copies the publish directory to /app and starts its dll from there.
            var (source, destination) = Assert.Single(docker.CopiesFromBuild());
            Assert.Equal(imagePublishDir, source);
            var entry = docker.Entrypoint();
            Assert.Equal("dotnet", entry[0]);
            Assert.StartsWith(destination.TrimEnd('/') + "/", entry[1], StringComparison.Ordinal);
            var inImage = (string path) => System.IO.Path.Combine(output, path[(destination.TrimEnd('/').Length + 1)..]);
            Assert.True(File.Exists(inImage(entry[1])), $"the ENTRYPOINT's {entry[1]} is not in the published app");
            Assert.Equal("singanseg-silo.dll", System.IO.Path.GetFileName(entry[1]));

            foreach (var file in new[]
                     {
                         "appsettings.json", "singanseg-silo.runtimeconfig.json",
                         "DnnImageModels/ResNet18Onnx/ResNet18.onnx",
                     }.Concat(TorchNativeFiles))
                Assert.True(File.Exists(System.IO.Path.Combine(output, file)), $"{file} is missing from the published app");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void CliPublishStartsAsTheImageRunsIt()
    {
        var docker = Cli;
        var command = docker.PublishCommand();
        // The silo image's publish, of the CLI project.
        Assert.Equal(Cpu.PublishCommand().Select(w => w.Replace("src/SinGanSeg.Silo/SinGanSeg.Silo.csproj", "src/SinGanSeg.Cli/SinGanSeg.Cli.csproj", StringComparison.Ordinal)), command);
        Assert.Contains("src/SinGanSeg.Cli/SinGanSeg.Cli.csproj", command);
        var outIndex = Array.IndexOf(command, "-o");
        var imagePublishDir = command[outIndex + 1];

        var output = Directory.CreateTempSubdirectory("singanseg-cli-publish-").FullName;
        var workDir = Directory.CreateTempSubdirectory("singanseg-cli-data-").FullName;
        try
        {
            command[outIndex + 1] = output;
            var (exit, log) = Tool.Run(command[0], command.Skip(1), RepoPaths.Root, "the .NET SDK is needed", TimeSpan.FromMinutes(15));
            Assert.True(exit == 0, $"{string.Join(' ', command)} failed:\n{log}");

            var (source, destination) = Assert.Single(docker.CopiesFromBuild());
            Assert.Equal(imagePublishDir, source);
            var entry = docker.Entrypoint();
            Assert.Equal(["dotnet", destination.TrimEnd('/') + "/singanseg.dll"], entry);
            var inImage = (string path) => System.IO.Path.Combine(output, path[(destination.TrimEnd('/').Length + 1)..]);
            Assert.True(File.Exists(inImage(entry[1])), $"the ENTRYPOINT's {entry[1]} is not in the published app");
            foreach (var file in new[] { "singanseg.runtimeconfig.json", "DnnImageModels/ResNet18Onnx/ResNet18.onnx" }.Concat(TorchNativeFiles))
                Assert.True(File.Exists(System.IO.Path.Combine(output, file)), $"{file} is missing from the published app");

            // The runtime base must bring every shared framework the app names (serve hosts ASP.NET Core).
            var runtime = docker.BaseImages().Last();
            Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", runtime, StringComparison.Ordinal);
            using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(output, "singanseg.runtimeconfig.json")));
            var options = config.RootElement.GetProperty("runtimeOptions");
            var frameworks = (options.TryGetProperty("frameworks", out var many) ? many.EnumerateArray().ToList() : [options.GetProperty("framework")])
                .Select(f => f.GetProperty("name").GetString()).ToList();
            Assert.NotEmpty(frameworks);
            Assert.All(frameworks, f => Assert.Contains(f, new[] { "Microsoft.NETCore.App", "Microsoft.AspNetCore.App" }));

            // Started the way the image starts it: ENTRYPOINT with the default CMD (--help), in a
            // fresh environment (without the test host's native-compat variables). On this Debian 12
            // host the CLI relaunches itself with the publish's native-compat/ (the image deletes
            // it: Ubuntu 24.04 needs none), as every singanseg executable here does.
            Assert.Equal(["--help"], docker.Cmd());
            var (helpExit, help) = Tool.Run(entry[0], [inImage(entry[1]), .. docker.Cmd()], workDir, "the .NET runtime is needed", TimeSpan.FromMinutes(2),
                start =>
                {
                    foreach (var name in new[] { "LD_PRELOAD", "LD_LIBRARY_PATH", "SINGANSEG_NATIVE_COMPAT", "SINGANSEG_NATIVE_COMPAT_PARENT" })
                        start.Environment.Remove(name);
                });
            Assert.True(helpExit == 0, $"singanseg --help exited {helpExit}:\n{help}");
            foreach (var subcommand in new[] { "run", "serve", "submit", "watch", "jobs", "download", "train", "generate", "evaluate" })
                Assert.Matches($@"(?m)^\s+{subcommand}\b", help);

            // Non-root like the silo images, in a working directory that user owns.
            Assert.Equal("1654", docker.ArgDefaults["APP_UID"]);
            Assert.Contains("USER ${APP_UID}", docker.Lines);
            Assert.Contains("RUN mkdir -p /data && chown ${APP_UID} /data", docker.Lines);
            Assert.Contains("WORKDIR /data", docker.Lines);
            Assert.Contains("RUN rm -rf /app/publish/native-compat", docker.Lines);
            Assert.Equal("10.0-noble", docker.ArgDefaults["DOTNET_VERSION"]);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
            Directory.Delete(workDir, recursive: true);
        }
    }

    [Fact]
    public void GpuImageBuildsTheSameAppWithCudaTorch()
    {
        var cpu = Cpu.PublishCommand();
        var gpu = Gpu.PublishCommand();
        Assert.Contains("-p:TorchBackend=cuda", gpu);
        Assert.Equal(cpu.Select(w => w.Replace("TorchBackend=cpu", "TorchBackend=cuda", StringComparison.Ordinal)), gpu);
        Assert.Equal(Cpu.Entrypoint(), Gpu.Entrypoint());
        Assert.Equal(Cpu.CopiesFromBuild(), Gpu.CopiesFromBuild());
        Assert.StartsWith("12.8", Gpu.ArgDefaults["CUDA_VERSION"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dockerfile.cpu")]
    [InlineData("Dockerfile.gpu")]
    public void ImagesRunAsTheChartsNonRootUserAndExposeItsPorts(string file)
    {
        var docker = new Dockerfile(System.IO.Path.Combine(RepoPaths.DockerDir, file));
        Assert.Equal("1654", docker.ArgDefaults["APP_UID"]);
        Assert.Contains("USER ${APP_UID}", docker.Lines);
        Assert.Contains(docker.Lines, l => l.StartsWith("EXPOSE 8080 11111 30000 9464", StringComparison.Ordinal));
        // The ubuntu 24.04 bases have the libstdc++ TorchSharp needs; the Debian 12 shim stays out.
        Assert.Contains("RUN rm -rf /app/publish/native-compat", docker.Lines);
        Assert.Contains(docker.Lines, l => l.Contains("noble", StringComparison.Ordinal) || l.Contains("ubuntu24.04", StringComparison.Ordinal));
        var values = Helm.YamlValues.LoadMap(File.ReadAllText(System.IO.Path.Combine(RepoPaths.Chart, "values.yaml")), "values.yaml");
        Assert.Equal(1654d, Manifests.At(values, "podSecurityContext.runAsUser"));
    }

    [Fact]
    public void DockerIgnoreKeepsHostStateOut()
    {
        var lines = File.ReadAllLines(System.IO.Path.Combine(RepoPaths.Root, ".dockerignore"));
        foreach (var entry in new[] { ".native/", ".tools/", "**/bin/", "**/obj/", "runs/" }) Assert.Contains(entry, lines);
    }
}
