using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SinGanSeg.Abstractions;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Grains.Evaluation;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// singanseg evaluate: does the synthetic data train a segmenter as well as the real data? UNet++
/// with an ImageNet encoder (the paper's evaluator) and/or a plain U-Net from scratch
/// (--model unetpp,unet). Runs on the embedded cluster (an evaluation coordinator grain fanning
/// out one grain per model, fold and training set), so an interrupted evaluation resumes with its
/// finished runs kept.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var real = new Option<DirectoryInfo>("--real") { Description = "real dataset folder with images/ and masks/ (paired by file name)", Required = true };
        var synthetic = new Option<DirectoryInfo>("--synthetic") { Description = "synthetic dataset folder from 'singanseg run' or 'download' (images/, masks/, manifest.jsonl)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "report folder: report.md, report.json, dice.svg (and small-data.svg)", Required = true };
        var folds = new Option<int>("--folds") { Description = "cross-validation folds over the real images", DefaultValueFactory = _ => 3 };
        var epochs = new Option<int>("--epochs") { Description = "passes over the largest training set (every run takes that many gradient steps) and validation rounds per run", DefaultValueFactory = _ => 50 };
        var steps = new Option<int?>("--steps") { Description = "gradient steps per run, the same for every model and set (default: from --epochs)" };
        var model = new Option<string>("--model") { Description = "segmenters to train: unetpp (ImageNet ResNet18 encoder), unet (plain U-Net from scratch), or unetpp,unet", DefaultValueFactory = _ => "unetpp" };
        var imageSize = new Option<int>("--image-size") { Description = "training and test size (square, multiple of 32)", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch-size") { Description = "training batch", DefaultValueFactory = _ => 8 };
        var drop = new Option<int?>("--lr-drop-epoch") { Description = "epoch from which Adam runs at a tenth of its rate (default: 4/5 of the epochs)" };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's rate before the drop (the paper: 1e-4)", DefaultValueFactory = _ => 1e-4 };
        var smallData = new Option<string?>("--small-data") { Description = "small-data curve sizes, e.g. 5,10,20: N real images vs the synthetic pairs made from those N" };
        var noMixed = new Option<bool>("--no-mixed") { Description = "skip the real+synthetic training sets" };
        var decoder = new Option<string?>("--decoder-channels") { Description = "UNet++ decoder widths, five numbers (default 256,128,64,32,16)" };
        var deep = new Option<bool>("--deep-supervision") { Description = "train with UNet++ deep supervision" };
        var encoderWeights = new Option<FileInfo?>("--encoder-weights") { Description = "torchvision resnet18 .pth for the encoder (default: the bundled ImageNet ResNet18)" };
        var seed = CommonOptions.Seed("splits, augmentation and initialisation");
        var device = CommonOptions.Device();
        var command = new Command("evaluate", "Train UNet++ and/or a plain U-Net on real, synthetic and mixed data by cross-validation and test on held-out real images.")
        {
            real, synthetic, output, folds, epochs, steps, model, imageSize, batch, drop, rate, smallData, noMixed, decoder, deep, encoderWeights, seed, device,
        };
        var testDir = new Option<DirectoryInfo?>("--test") { Description = "a fixed real test set (images/ and masks/); without it each fold tests on its own held-out real images" };
        command.Add(testDir);
        var evaluationId = new Option<string?>("--id") { Description = "evaluation id (default: a digest of the inputs and settings, so rerunning resumes)" };
        command.Add(evaluationId);
        command.SetAction(async (parse, cancellation) =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            try
            {
                var settings = new EvaluationSettings(
                    Folds: parse.GetValue(folds),
                    Epochs: parse.GetValue(epochs),
                    ImageSize: parse.GetValue(imageSize),
                    BatchSize: parse.GetValue(batch),
                    LearningRateDropEpoch: parse.GetValue(drop),
                    SmallDataSizes: parse.GetValue(smallData) is { } s ? ParseInts(s, "--small-data") : null,
                    Mixed: !parse.GetValue(noMixed),
                    Seed: parse.GetValue(seed),
                    DecoderChannels: parse.GetValue(decoder) is { } channels ? ParseInts(channels, "--decoder-channels") : null,
                    DeepSupervision: parse.GetValue(deep),
                    LearningRate: parse.GetValue(rate),
                    Models: ParseModels(parse.GetValue(model)),
                    Steps: parse.GetValue(steps));
                var realDir = parse.GetValue(real)!.FullName;
                var pairs = RealPairs(realDir);
                var generated = SyntheticDataset.Load(parse.GetValue(synthetic)!.FullName, pairs.Select(p => p.Name).ToList());
                var spec = new EvaluationSpec("evaluation",
                    [.. pairs.Select(p => new ImageInput(p.Name, new Uri(p.ImagePath).AbsoluteUri, new Uri(p.MaskPath).AbsoluteUri))],
                    [.. generated.Select(x => new SyntheticInput(x.Name, new Uri(x.ImagePath).AbsoluteUri, new Uri(x.MaskPath).AbsoluteUri, x.Source,
                        x.StyledImagePath is null ? null : new Uri(x.StyledImagePath).AbsoluteUri))],
                    settings,
                    parse.GetValue(testDir) is { } t ? RealPairs(t.FullName).Select(p => new ImageInput(p.Name, new Uri(p.ImagePath).AbsoluteUri, new Uri(p.MaskPath).AbsoluteUri)).ToList() : null);
                spec = spec with { EvaluationId = parse.GetValue(evaluationId) ?? $"eval-{spec.Fingerprint()}" };
                EvaluationSettingsMapper.Validate(spec);
                var runs = EvaluationSettingsMapper.Plan(spec);
                Console.WriteLine($"{pairs.Count} real images, {generated.Count} synthetic pairs ({generated.Count(p => p.StyledImagePath is not null)} restyled); " +
                    $"{runs.Count} trainings: {string.Join(", ", runs.Select(r => r.Model).Distinct())} × {string.Join(", ", runs.Select(r => r.Set).Distinct())} × {settings.Folds} folds, " +
                    $"{EvaluationSettingsMapper.Training(settings, runs).Steps} gradient steps each");

                var state = Path.Combine(outDir, ".singanseg");
                Directory.CreateDirectory(state);
                await using var cluster = await EmbeddedSilo.StartAsync(state, parse.GetValue(device)!, 1, cancellation,
                    logging => logging.AddProvider(new FileLoggerProvider(Path.Combine(state, "singanseg.log"), LogLevel.Information)),
                    o => o with { Weights = o.Weights with { ResNet18 = parse.GetValue(encoderWeights)?.FullName } });
                var grain = cluster.Client.GetGrain<IEvaluationCoordinatorGrain>(spec.EvaluationId);
                await grain.Submit(spec);
                var status = await EvaluationProgressView.Follow(_ => grain.GetStatus(), cancellation);
                await EvaluationProgressView.ExportAsync(cluster.Artifacts, status, outDir, cancellation);
                EvaluationProgressView.PrintSummary(status);
                Console.WriteLine($"report in {Path.Combine(outDir, "report.md")}");
                return status.Phase == EvaluationPhase.Completed ? ExitCodes.Ok : ExitCodes.CompletedWithErrors;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, $"Finished runs are kept in {Path.Combine(outDir, ".singanseg")}; run the same command again to resume.");
            }
        });
        return command;
    }

    private static IReadOnlyList<DatasetPair> RealPairs(string dir)
    {
        var (pairs, _) = DatasetPairing.Pair(Path.Combine(dir, "images"), Path.Combine(dir, "masks"));
        var missing = pairs.FirstOrDefault(p => !p.MaskFound);
        if (missing is not null)
            throw new InvalidInputException(missing.ImagePath, "has no mask of the same name in masks/", "Every real image needs its mask.");
        return pairs;
    }

    /// <summary>"unetpp,unet" as the settings' list; null for the default (UNet++ only) so the fingerprint of such evaluations is unchanged.</summary>
    public static IReadOnlyList<string>? ParseModels(string? text)
    {
        var models = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToLowerInvariant()).ToList();
        var normal = Core.Segmentation.SegmentationModels.Normalize(models);
        return normal.SequenceEqual([Core.Segmentation.SegmentationModels.UNetPlusPlus]) ? null : normal;
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
