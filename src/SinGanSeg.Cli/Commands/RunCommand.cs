using System.CommandLine;
using SinGanSeg.Abstractions;
using SinGanSeg.Cli.Cluster;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Training;
using SinGanSeg.Grains.Hosting;
using Microsoft.Extensions.Logging;

namespace SinGanSeg.Cli.Commands;

/// <summary>singanseg run: a whole dataset through the pipeline on the embedded default, resumable.</summary>
public static class RunCommand
{
    public const int CompletedWithErrors = 5;

    public static Command Create()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "folder of training images (PNG/JPEG)", Required = true };
        var masks = new Option<DirectoryInfo>("--masks") { Description = "folder of masks, paired with the images by file name", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "dataset folder: images/, masks/, manifest.jsonl (and .singanseg/ with the job's state)", Required = true };
        var samples = new Option<int>("--samples-per-image") { Description = "synthetic pairs per training image", DefaultValueFactory = _ => 10 };
        var preset = new Option<string>("--preset") { Description = "paper, fast or tiny", DefaultValueFactory = _ => "paper" };
        preset.AcceptOnlyFromAmong([.. Presets.Names]);
        var iters = new Option<int?>("--iters") { Description = "iterations per scale (overrides the preset)" };
        var maxSize = new Option<int?>("--max-size") { Description = "finest scale's long side (overrides the preset)" };
        var start = new Option<int>("--gen-start-scale") { Description = "scales below this keep the training image's layout", DefaultValueFactory = _ => 0 };
        var attempts = new Option<int>("--max-attempts") { Description = "tries per image before it is given up", DefaultValueFactory = _ => 3 };
        var allowEmpty = new Option<bool>("--allow-empty-mask") { Description = "accept masks without foreground" };
        var slots = new Option<int>("--slots") { Description = "images trained at once", DefaultValueFactory = _ => 1 };
        var jobId = new Option<string?>("--job-id") { Description = "job id (default: derived from the inputs and options, so rerunning resumes)" };
        var seed = CommonOptions.Seed("training and sampling");
        var device = CommonOptions.Device();
        var style = StyleOptionsCli.Create();
        var styleWeights = new Option<FileInfo?>("--style-weights") { Description = "torchvision .pth for --style-network (required for vgg16/vgg19; resnet18's weights ship with SinGanSeg)" };
        var inceptionWeights = new Option<FileInfo?>("--inception-weights") { Description = "torchvision inception_v3 .pth: score with SIFID-Inception instead of the offline SIFID-ResNet18-stem" };
        var evaluate = new Option<bool>("--evaluate") { Description = "after the dataset, train segmenters on real vs synthetic data by cross-validation (report in OUT/evaluation/)" };
        var evalFolds = new Option<int>("--eval-folds") { Description = "evaluation folds", DefaultValueFactory = _ => 3 };
        var evalEpochs = new Option<int>("--eval-epochs") { Description = "evaluation epochs: passes over the largest training set, the same gradient steps for every run", DefaultValueFactory = _ => 50 };
        var evalSize = new Option<int>("--eval-image-size") { Description = "evaluation image size (multiple of 32)", DefaultValueFactory = _ => 128 };
        var evalModel = new Option<string>("--eval-model") { Description = "evaluation segmenters: unetpp, unet (plain U-Net from scratch) or unetpp,unet", DefaultValueFactory = _ => "unetpp" };
        var command = new Command("run", "Train a model per image and generate the synthetic dataset, on this machine (embedded cluster). Rerun to resume.")
        {
            images, masks, output, samples, preset, iters, maxSize, start, attempts, allowEmpty, slots, jobId, seed, device,
            style.Ratio, style.Network, style.Steps, style.NoScore, styleWeights, inceptionWeights, evaluate, evalFolds, evalEpochs, evalSize, evalModel,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            try
            {
                var (pairs, strays) = DatasetPairing.Pair(parse.GetValue(images)!.FullName, parse.GetValue(masks)!.FullName);
                foreach (var p in pairs.Where(p => !p.MaskFound)) Console.Error.WriteLine($"warning: {p.ImagePath} has no mask named {p.Name}.* in the masks folder; it will be reported as failed");
                foreach (var m in strays) Console.Error.WriteLine($"warning: {m} matches no image and is ignored");
                var spec = new JobSpec("run", [.. pairs.Select(p => new ImageInput(p.Name, new Uri(p.ImagePath).AbsoluteUri, new Uri(p.MaskPath).AbsoluteUri))],
                    new TrainingOptions(parse.GetValue(preset)!, parse.GetValue(maxSize), null, parse.GetValue(iters)),
                    parse.GetValue(samples), parse.GetValue(seed), parse.GetValue(start), parse.GetValue(attempts), parse.GetValue(allowEmpty),
                    style.Read(parse), !parse.GetValue(style.NoScore),
                    parse.GetValue(evaluate) ? new EvaluationSettings(parse.GetValue(evalFolds), parse.GetValue(evalEpochs), parse.GetValue(evalSize),
                        Models: EvaluateCommand.ParseModels(parse.GetValue(evalModel))) : null);
                spec = spec with { JobId = parse.GetValue(jobId) ?? $"run-{spec.Fingerprint()}" };
                Grains.Jobs.JobValidation.Validate(spec);

                var state = Path.Combine(outDir, ".singanseg");
                Directory.CreateDirectory(state);
                var weights = new FeatureWeights
                {
                    InceptionV3 = parse.GetValue(inceptionWeights)?.FullName,
                    Vgg16 = spec.Style?.Network == "vgg16" ? parse.GetValue(styleWeights)?.FullName : null,
                    Vgg19 = spec.Style?.Network == "vgg19" ? parse.GetValue(styleWeights)?.FullName : null,
                    ResNet18 = spec.Style?.Network == "resnet18" ? parse.GetValue(styleWeights)?.FullName : null,
                };
                await using var cluster = await EmbeddedSilo.StartAsync(state, parse.GetValue(device)!, parse.GetValue(slots), cancellation,
                    logging => logging.AddProvider(new FileLoggerProvider(Path.Combine(state, "singanseg.log"), LogLevel.Information)),
                    o => o with { Weights = weights });
                var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
                var accepted = await job.Submit(spec);
                Console.WriteLine($"job {spec.JobId}: {spec.Images.Count} images, preset {spec.Training.Preset}, {spec.SamplesPerImage} samples each" +
                    (accepted.Done > 0 || accepted.Images.Any(i => i.CompletedScales > 0) ? $" (resuming: {accepted.Done} done)" : ""));
                var status = await JobProgressView.Follow(_ => job.GetStatus(), cancellation);
                var written = await DatasetExport.ExportAsync(cluster.Artifacts, status, outDir, cancellation);
                var pairsWritten = status.Images.Sum(i => i.Samples);
                var styledWritten = status.Images.Sum(i => i.Styled);
                Console.WriteLine($"{pairsWritten} synthetic pairs{(styledWritten > 0 ? $" and {styledWritten} restyled images (suffix _styled, sharing their pair's mask)" : "")} " +
                    $"in {Path.Combine(outDir, "images")} and {Path.Combine(outDir, "masks")}, lineage in {Path.Combine(outDir, "manifest.jsonl")} ({written} image files)");
                if (JobProgressView.Summary(status) is { } sifid) Console.WriteLine(sifid);
                if (status.EvaluationError is { } evaluationError) Console.Error.WriteLine($"evaluation not run: {evaluationError}");
                if (status.EvaluationId is { } evaluationId)
                {
                    Console.WriteLine($"evaluating: UNet++ on real vs synthetic ({evaluationId})");
                    var evaluationGrain = cluster.Client.GetGrain<IEvaluationCoordinatorGrain>(evaluationId);
                    var evaluation = await EvaluationProgressView.Follow(_ => evaluationGrain.GetStatus(), cancellation);
                    var reportDir = Path.Combine(outDir, "evaluation");
                    await EvaluationProgressView.ExportAsync(cluster.Artifacts, evaluation, reportDir, cancellation);
                    EvaluationProgressView.PrintSummary(evaluation);
                    Console.WriteLine($"evaluation report in {Path.Combine(reportDir, "report.md")}");
                    if (evaluation.Phase != EvaluationPhase.Completed) return CompletedWithErrors;
                }
                foreach (var failed in status.Images.Where(i => i.Phase == ImagePhase.Failed))
                    Console.Error.WriteLine($"failed: {failed.Name}: {failed.Error}");
                return status.Phase == JobPhase.Completed ? ExitCodes.Ok : CompletedWithErrors;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, $"Progress is kept in {Path.Combine(outDir, ".singanseg")}; run the same command again to resume.");
            }
        });
        return command;
    }
}
