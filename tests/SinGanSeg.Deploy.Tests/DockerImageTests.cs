namespace SinGanSeg.Deploy.Tests;

/// <summary>
/// No Docker engine runs here, so the images are checked through what decides whether they
/// work: the CPU Dockerfile's own publish command is run, and the published app must contain
/// what the runtime stage copies and starts. The GPU Dockerfile cannot be published here (its
/// CUDA libtorch is not on this machine's package source); it must run the same command.
/// </summary>
public sealed class DockerImageTests
{
    private static Dockerfile Cpu => new(System.IO.Path.Combine(RepoPaths.DockerDir, "Dockerfile.cpu"));
    private static Dockerfile Gpu => new(System.IO.Path.Combine(RepoPaths.DockerDir, "Dockerfile.gpu"));

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
                         // TorchSharp's native runtime, flattened next to the app by the linux-x64 publish.
                         "libLibTorchSharp.so", "libtorch.so", "libtorch_cpu.so", "libc10.so",
                     })
                Assert.True(File.Exists(System.IO.Path.Combine(output, file)), $"{file} is missing from the published app");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
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
