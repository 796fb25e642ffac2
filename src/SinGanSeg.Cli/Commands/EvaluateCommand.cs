using System.CommandLine;
using System.Globalization;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Cli.Commands;

/// <summary>singanseg evaluate: does the synthetic data train UNet++ as well as the real data?</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var real = new Option<DirectoryInfo>("--real") { Description = "real dataset folder with images/ and masks/ (paired by file name)", Required = true };
        var synthetic = new Option<DirectoryInfo>("--synthetic") { Description = "synthetic dataset folder from 'singanseg run' or 'download' (images/, masks/, manifest.jsonl)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "report folder: report.md, report.json, dice.png (and small-data.png)", Required = true };
        var folds = new Option<int>("--folds") { Description = "cross-validation folds over the real images", DefaultValueFactory = _ => 3 };
        var epochs = new Option<int>("--epochs") { Description = "UNet++ training epochs per run", DefaultValueFactory = _ => 50 };
        var imageSize = new Option<int>("--image-size") { Description = "training and test size (square, multiple of 32)", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch-size") { Description = "training batch", DefaultValueFactory = _ => 8 };
        var drop = new Option<int?>("--lr-drop-epoch") { Description = "epoch from which Adam runs at 1e-5 instead of 1e-4 (default: 4/5 of the epochs)" };
        var smallData = new Option<string?>("--small-data") { Description = "small-data curve sizes, e.g. 5,10,20: N real images vs the synthetic pairs made from those N" };
        var noMixed = new Option<bool>("--no-mixed") { Description = "skip the real+synthetic training sets" };
        var decoder = new Option<string?>("--decoder-channels") { Description = "UNet++ decoder widths, five numbers (default 256,128,64,32,16)" };
        var deep = new Option<bool>("--deep-supervision") { Description = "train with UNet++ deep supervision" };
        var encoderWeights = new Option<FileInfo?>("--encoder-weights") { Description = "torchvision resnet18 .pth for the encoder (default: the bundled ImageNet ResNet18)" };
        var seed = CommonOptions.Seed("splits, augmentation and initialisation");
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("evaluate", "Train UNet++ on real, synthetic and mixed data by cross-validation and test on held-out real images.")
        {
            real, synthetic, output, folds, epochs, imageSize, batch, drop, smallData, noMixed, decoder, deep, encoderWeights, seed, device, threads,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                var network = new UNetPlusPlusConfig { DeepSupervision = parse.GetValue(deep) };
                if (parse.GetValue(decoder) is { } channels) network = network with { DecoderChannels = ParseInts(channels, "--decoder-channels") };
                var training = new SegmentationTrainingConfig
                {
                    Epochs = parse.GetValue(epochs),
                    ImageSize = parse.GetValue(imageSize),
                    BatchSize = parse.GetValue(batch),
                    LearningRateDropEpoch = parse.GetValue(drop),
                    Seed = parse.GetValue(seed),
                    Network = network,
                };
                training.Validate();
                var options = new EvaluationOptions
                {
                    Folds = parse.GetValue(folds),
                    Seed = parse.GetValue(seed),
                    Mixed = !parse.GetValue(noMixed),
                    SmallDataSizes = parse.GetValue(smallData) is { } s ? ParseInts(s, "--small-data") : [],
                };
                var realDir = parse.GetValue(real)!.FullName;
                var (pairs, _) = DatasetPairing.Pair(Path.Combine(realDir, "images"), Path.Combine(realDir, "masks"));
                var missing = pairs.FirstOrDefault(p => !p.MaskFound);
                if (missing is not null)
                    throw new InvalidInputException(missing.ImagePath, "has no mask of the same name in masks/", "Every real image needs its mask.");
                var realPairs = pairs.Select(p => new SegmentationPair(p.Name, p.ImagePath, p.MaskPath)).ToList();
                var syntheticPairs = SyntheticDataset.Load(parse.GetValue(synthetic)!.FullName, realPairs.Select(p => p.Name).ToList());
                var runs = EvaluationPlanner.Plan(realPairs, syntheticPairs, options);
                var torchDevice = DeviceSelector.Parse(parse.GetValue(device));
                TorchThreads.Configure(parse.GetValue(threads));
                var outDir = parse.GetValue(output)!.FullName;
                Console.WriteLine($"{realPairs.Count} real images, {syntheticPairs.Count} synthetic pairs ({syntheticPairs.Count(p => p.StyledImagePath is not null)} restyled); " +
                    $"{runs.Count} trainings: {string.Join(", ", runs.Select(r => r.Set).Distinct())} × {options.Folds} folds");
                var results = new List<EvaluationResult>();
                foreach (var run in runs)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var runner = new EvaluationRunner(training, torchDevice, parse.GetValue(encoderWeights)?.FullName)
                    {
                        Progress = e => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {run.Key}: epoch {e.Epoch}/{e.Epochs} loss {e.TrainLoss:F4} val IoU {e.ValidationIou:F3}{(e.Best ? " *" : "")}")),
                    };
                    var result = await DedicatedThread.Run("singanseg-evaluate", () => runner.Run(run, cancellation));
                    results.Add(result);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{run.Key}: {run.Train.Count} pairs → test Dice {result.Test.Dice:F3}, IoU {result.Test.Iou:F3} (best epoch {result.BestEpoch}, {result.Seconds:F0} s)"));
                }
                EvaluationReport.Write(outDir, "UNet++: real vs synthetic", results, new { training, options });
                Console.WriteLine($"report in {Path.Combine(outDir, "report.md")}");
                foreach (var summary in SetSummary.From(results))
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {summary.Set,-24} Dice {summary.Dice}  IoU {summary.Iou}"));
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, "Nothing was written; fix the input and run again.");
            }
        });
        return command;
    }

    private static int[] ParseInts(string text, string option)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option} takes comma-separated whole numbers, got '{text}'");
        }
    }
}
