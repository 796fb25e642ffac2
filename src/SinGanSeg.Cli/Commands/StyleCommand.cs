using System.CommandLine;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Style;
using Spectre.Console;

namespace SinGanSeg.Cli.Commands;

/// <summary>singanseg style: Gatys style transfer from a real image onto generated ones.</summary>
public static class StyleCommand
{
    public static Command Create()
    {
        var content = new Option<FileInfo[]>("--content") { Description = "generated image(s) to restyle (same size; given several, they are optimised together as one batch)", Required = true, AllowMultipleArgumentsPerToken = true };
        var style = new Option<FileInfo>("--style") { Description = "the real image whose style is transferred (the image the model was trained on)", Required = true };
        var output = new Option<FileSystemInfo>("--out") { Description = "output PNG (one --content) or folder (several; files keep their names)", Required = true };
        var ratio = new Option<string>("--ratio") { Description = "content:style loss weights (the paper used 1:1 and 1:1000)", DefaultValueFactory = _ => "1:1" };
        var steps = new Option<int>("--steps") { Description = "optimisation steps", DefaultValueFactory = _ => 1000 };
        var network = new Option<string>("--network") { Description = "resnet18 (weights ship with SinGanSeg) or vgg16/vgg19 (need --weights)", DefaultValueFactory = _ => "resnet18" };
        var weights = new Option<FileInfo?>("--weights") { Description = "torchvision state-dict .pth for --network (required for vgg16/vgg19)" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("style", "Transfer the style of a real image onto generated images (the paper's second step).")
        {
            content, style, output, ratio, steps, network, weights, device, threads,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                var config = new StyleTransferConfig
                {
                    Steps = parse.GetValue(steps),
                    Ratio = StyleWeightRatio.Parse(parse.GetValue(ratio)!),
                };
                config.Validate();
                var contents = parse.GetValue(content)!;
                var outPath = parse.GetValue(output)!.FullName;
                var torchDevice = DeviceSelector.Parse(parse.GetValue(device));
                TorchThreads.Configure(parse.GetValue(threads));
                var loader = ImagePairLoader.Default;
                var styleImage = loader.LoadRgb(parse.GetValue(style)!.FullName);
                var images = contents.Select(f => loader.LoadRgb(f.FullName)).ToArray();
                var targets = contents.Length == 1 && !Directory.Exists(outPath)
                    ? [outPath]
                    : contents.Select(f => Path.Combine(outPath, Path.GetFileNameWithoutExtension(f.Name) + ".png")).ToArray();
                foreach (var dir in targets.Select(Path.GetDirectoryName).Distinct()) Directory.CreateDirectory(dir!);

                var watch = System.Diagnostics.Stopwatch.StartNew();
                var result = await WithProgress(config.Steps, report => DedicatedThread.Run("singanseg-style", () =>
                {
                    using var net = StyleNetworks.Create(parse.GetValue(network)!, parse.GetValue(weights)?.FullName, torchDevice);
                    var runner = new StyleTransferRunner(net, config with { MaxBatch = Math.Max(config.MaxBatch, images.Length) }, torchDevice);
                    return runner.Run(styleImage, images, progress: report, cancellation: cancellation);
                }));
                for (var i = 0; i < result.Count; i++)
                    SampleImageWriter.WriteRgb(targets[i], result[i].Height, result[i].Width, result[i].Rgb);
                var rate = config.Steps / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
                Console.WriteLine($"{result.Count} image(s) written ({string.Join(", ", targets.Take(3))}{(targets.Length > 3 ? ", ..." : "")}); {rate:F2} steps/s, {rate * result.Count:F2} sample-steps/s");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, "Nothing was written; fix the input and run again.");
            }
        });
        return command;
    }

    private static async Task<T> WithProgress<T>(int steps, Func<Action<StyleProgress>, Task<T>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return await work(p =>
            {
                if (p.Step == 1 || p.Step % 50 == 0 || p.Step == p.Steps)
                    Console.WriteLine($"step {p.Step}/{p.Steps}  style loss {p.StyleLoss:G4}  content loss {p.ContentLoss:G4}");
            });
        return await AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("style transfer", maxValue: steps);
                return await work(p =>
                {
                    task.Value = p.Step;
                    task.Description = $"style transfer (style loss {p.StyleLoss:G3})";
                });
            });
    }
}
