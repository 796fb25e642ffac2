using System.CommandLine;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Model;
using Spectre.Console;

namespace SinGanSeg.Cli.Commands;

/// <summary>singanseg generate: samples from a native model folder or a published SinGAN-Seg one.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "a model folder from 'singanseg train' (or its zip, as the API's model download gives it), or a published SinGAN-Seg folder (Gs.pth, Zs.pth, reals.pth, NoiseAmp.pth)", Required = true };
        var count = new Option<int>("--count") { Description = "number of image+mask pairs", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "output folder (images/ and masks/ with matching names)", Required = true };
        var start = new Option<int>("--gen-start-scale") { Description = "scales below this keep the training image's layout (0 = most varied; the scale count = reconstruction, as the reference)", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "samples per forward pass", DefaultValueFactory = _ => 8 };
        var id = new Option<string?>("--id") { Description = "model id for sample names (default: the model's own)" };
        var seed = CommonOptions.Seed("sampling");
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("generate", "Generate synthetic image+mask pairs from a trained model.")
        {
            model, count, output, start, batch, id, seed, device, threads,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                var n = parse.GetValue(count);
                if (n < 1) throw new ArgumentException($"--count must be at least 1 (got {n})");
                if (parse.GetValue(batch) < 1) throw new ArgumentException("--batch-size must be at least 1");
                var dir = parse.GetValue(model)!.FullName;
                // A model downloaded from the API (GET /api/jobs/{id}/images/{image}/model) is a zip of the folder.
                using var unzipped = File.Exists(dir) && dir.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? new UnzippedModel(dir) : null;
                if (unzipped is not null) dir = unzipped.Directory;
                if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: model folder not found");
                var torchDevice = DeviceSelector.Parse(parse.GetValue(device));
                TorchThreads.Configure(parse.GetValue(threads));
                using var loaded = Load(dir, torchDevice, parse.GetValue(id));
                var outDir = parse.GetValue(output)!.FullName;
                Console.WriteLine($"model {loaded.Id}: {loaded.ScaleCount} scales, {loaded.OutputSize.Width}x{loaded.OutputSize.Height}; generating {n} pairs into {outDir}");
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var samples = await RunWithProgress(n, progress => DedicatedThread.Run("singanseg-generate", () =>
                    new SampleGenerator(loaded) { BatchSize = parse.GetValue(batch), GenStartScale = parse.GetValue(start), Progress = progress }
                        .Generate(n, parse.GetValue(seed), outDir, cancellation)));
                Console.WriteLine($"{samples.Count} pairs in {outDir} ({samples.Count / Math.Max(watch.Elapsed.TotalSeconds, 1e-9):F1} pairs/s)");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, "Pairs written so far are kept; run the same command again to finish.");
            }
        });
        return command;
    }

    private static SinGanModel Load(string dir, TorchSharp.torch.Device device, string? id)
    {
        if (ModelFolder.IsModelFolder(dir))
        {
            var loaded = new ModelFolder(dir).LoadModel(device);
            return id is null ? loaded : loaded.WithId(id);
        }
        if (PublishedModel.IsPublishedFolder(dir)) return PublishedModel.Load(dir, device, id);
        throw new InvalidDataException($"{dir}: neither a model folder (manifest.json) nor a published SinGAN-Seg folder (Gs.pth, Zs.pth, reals.pth, NoiseAmp.pth)");
    }

    private static async Task<T> RunWithProgress<T>(int total, Func<Action<int, int>, Task<T>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return await work((done, all) => Console.WriteLine($"{done}/{all} pairs"));
        return await AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("generating", maxValue: total);
                return await work((done, _) => task.Value = done);
            });
    }
}

/// <summary>A model zip extracted into a temporary folder for as long as the command runs.</summary>
internal sealed class UnzippedModel : IDisposable
{
    public UnzippedModel(string zip)
    {
        Directory = Path.Combine(Path.GetTempPath(), $"singanseg-model-{Guid.NewGuid():N}");
        System.IO.Compression.ZipFile.ExtractToDirectory(zip, Directory);
    }

    public string Directory { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
