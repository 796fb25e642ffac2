using System.CommandLine;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Training;

namespace SinGanSeg.Cli.Commands;

/// <summary>singanseg train: one image+mask pair into a resumable model folder.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var image = new Option<FileInfo?>("--image") { Description = "RGB image (PNG or JPEG)" };
        var mask = new Option<FileInfo?>("--mask") { Description = "its mask (PNG or JPEG, 1 or 3 channels, foreground >= 128)" };
        var rgba = new Option<FileInfo?>("--rgba") { Description = "instead of --image/--mask: one RGBA PNG with the mask as alpha (the reference's format)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "model folder; an interrupted run in it is resumed", Required = true };
        var preset = new Option<string>("--preset") { Description = "paper (250 px, 2000 it/scale), fast or tiny", DefaultValueFactory = _ => "paper" };
        preset.AcceptOnlyFromAmong([.. Presets.Names]);
        var maxSize = new Option<int?>("--max-size") { Description = "finest scale's long side in px (overrides the preset)" };
        var minSize = new Option<int?>("--min-size") { Description = "coarsest scale's short side in px (overrides the preset)" };
        var iters = new Option<int?>("--iters") { Description = "iterations per scale (overrides the preset)" };
        var update = new Option<GeneratorUpdateMode?>("--generator-update") { Description = "reference (as released, default) or paper (3 generator updates per iteration)" };
        var lrSchedule = new Option<LearningRateSchedule?>("--lr-schedule") { Description = "fraction (drop the rate at 80 % of the iterations, default) or reference (at iteration 1600, as released: short runs never drop)" };
        var id = new Option<string?>("--id") { Description = "model id used in sample names (default: the image's file name)" };
        var allowEmpty = new Option<bool>("--allow-empty-mask") { Description = "accept a mask without foreground" };
        var maxImage = new Option<int?>("--max-image-size") { Description = $"largest accepted input side in px (default {ImageLimits.Default.MaxWidth})" };
        var seed = CommonOptions.Seed("training");
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();

        var command = new Command("train", "Train a SinGAN-Seg model on one image+mask pair, scale by scale, with a checkpoint after every scale.")
        {
            image, mask, rgba, output, preset, maxSize, minSize, iters, update, lrSchedule, id, seed, allowEmpty, maxImage, device, threads,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            try
            {
                var limits = ImageLimits.Default with
                {
                    AllowEmptyMask = parse.GetValue(allowEmpty),
                    MaxWidth = parse.GetValue(maxImage) ?? ImageLimits.Default.MaxWidth,
                    MaxHeight = parse.GetValue(maxImage) ?? ImageLimits.Default.MaxHeight,
                };
                var loader = new ImagePairLoader(limits);
                var (imageFile, maskFile, rgbaFile) = (parse.GetValue(image), parse.GetValue(mask), parse.GetValue(rgba));
                ImagePair input = (imageFile, maskFile, rgbaFile) switch
                {
                    (null, null, { } r) => loader.LoadRgba(r.FullName),
                    ({ } i, { } m, null) => loader.LoadPair(i.FullName, m.FullName),
                    _ => throw new ArgumentException("give either --image and --mask, or --rgba"),
                };
                var config = Presets.Get(parse.GetValue(preset)!);
                config = config with
                {
                    MaxSize = parse.GetValue(maxSize) ?? config.MaxSize,
                    MinSize = parse.GetValue(minSize) ?? config.MinSize,
                    Iterations = parse.GetValue(iters) ?? config.Iterations,
                    GeneratorUpdate = parse.GetValue(update) ?? config.GeneratorUpdate,
                    LearningRateSchedule = parse.GetValue(lrSchedule) ?? config.LearningRateSchedule,
                };
                config.Validated();
                var geometry = PyramidGeometry.Compute(input.Height, input.Width, config.MinSize, config.MaxSize, config.ScaleFactor, input.Name);
                var torchDevice = DeviceSelector.Parse(parse.GetValue(device));
                var threadCount = TorchThreads.Configure(parse.GetValue(threads));
                var done = new ModelFolder(outDir).TryReadManifest()?.Scales.Count ?? 0;
                Console.WriteLine($"{input.Name}: {input.Width}x{input.Height}, mask {input.ForegroundFraction:P1}; {geometry.ScaleCount} scales up to {geometry.Resized.Width}x{geometry.Resized.Height}, {config.Iterations} iterations each; {torchDevice.type} with {threadCount} threads"
                    + (done > 0 ? $"; resuming after {done} finished scales" : ""));

                var manifest = await TrainingProgressView.RunAsync(geometry.ScaleCount, done, callbacks =>
                    DedicatedThread.Run("singanseg-train", () => new SinGanTrainer(torchDevice)
                    {
                        Progress = callbacks.Progress,
                        ScaleFinished = callbacks.ScaleFinished,
                    }.Train(new TrainingRequest(input, config, parse.GetValue(seed), outDir, parse.GetValue(id)), cancellation)));
                var seconds = manifest.Scales.Sum(s => s.Seconds);
                Console.WriteLine($"model {manifest.ModelId} ready in {outDir} ({manifest.Scales.Count} scales, {TrainingProgressView.Format(TimeSpan.FromSeconds(seconds))} of training)");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, $"Finished scales are saved in {outDir}; run the same command again to resume.");
            }
        });
        return command;
    }
}
