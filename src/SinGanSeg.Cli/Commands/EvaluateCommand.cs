using System.CommandLine;
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
        var settings = new EvaluationOptionsCli();
        var encoderWeights = new Option<FileInfo?>("--encoder-weights") { Description = "torchvision resnet18 .pth for the encoder (default: the bundled ImageNet ResNet18)" };
        var device = CommonOptions.Device();
        var command = new Command("evaluate", "Train UNet++ and/or a plain U-Net on real, synthetic and mixed data by cross-validation and test on held-out real images.")
        {
            real, synthetic, output,
        };
        settings.AddTo(command);
        command.Add(encoderWeights);
        command.Add(device);
        var testDir = new Option<DirectoryInfo?>("--test") { Description = "a fixed real test set (images/ and masks/); without it each fold tests on its own held-out real images" };
        command.Add(testDir);
        var evaluationId = new Option<string?>("--id") { Description = "evaluation id (default: a digest of the inputs and settings, so rerunning resumes)" };
        command.Add(evaluationId);
        command.SetAction(async (parse, cancellation) =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            try
            {
                var evaluation = settings.Read(parse);
                var realDir = parse.GetValue(real)!.FullName;
                var pairs = RealPairs(realDir);
                var generated = SyntheticDataset.Load(parse.GetValue(synthetic)!.FullName, pairs.Select(p => p.Name).ToList());
                var spec = new EvaluationSpec("evaluation",
                    [.. pairs.Select(p => new ImageInput(p.Name, new Uri(p.ImagePath).AbsoluteUri, new Uri(p.MaskPath).AbsoluteUri))],
                    [.. generated.Select(x => new SyntheticInput(x.Name, new Uri(x.ImagePath).AbsoluteUri, new Uri(x.MaskPath).AbsoluteUri, x.Source,
                        x.StyledImagePath is null ? null : new Uri(x.StyledImagePath).AbsoluteUri))],
                    evaluation,
                    parse.GetValue(testDir) is { } t ? RealPairs(t.FullName).Select(p => new ImageInput(p.Name, new Uri(p.ImagePath).AbsoluteUri, new Uri(p.MaskPath).AbsoluteUri)).ToList() : null);
                spec = spec with { EvaluationId = parse.GetValue(evaluationId) ?? $"eval-{spec.Fingerprint()}" };
                EvaluationSettingsMapper.Validate(spec);
                var runs = EvaluationSettingsMapper.Plan(spec);
                Console.WriteLine($"{pairs.Count} real images, {generated.Count} synthetic pairs ({generated.Count(p => p.StyledImagePath is not null)} restyled); " +
                    $"{runs.Count} trainings: {string.Join(", ", runs.Select(r => r.Model).Distinct())} × {string.Join(", ", runs.Select(r => r.Set).Distinct())} × {evaluation.Folds} folds, " +
                    $"{EvaluationSettingsMapper.Training(spec).Steps} gradient steps each");

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
}
