using System.CommandLine;
using SinGanSeg.Abstractions;
using SinGanSeg.Cli.Cluster;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Training;
using SinGanSeg.Grains.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SinGanSeg.Cli.Commands;

/// <summary>singanseg run: a whole dataset through the pipeline on the embedded default, resumable.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "folder of training images (PNG/JPEG)", Required = true };
        var masks = new Option<DirectoryInfo>("--masks") { Description = "folder of masks, paired with the images by file name", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "dataset folder: images/, masks/, manifest.jsonl (and .singanseg/ with the job's state)", Required = true };
        var job = new JobOptionsCli();
        var slots = new Option<int>("--slots") { Description = "images trained at once", DefaultValueFactory = _ => 1 };
        var jobId = new Option<string?>("--job-id") { Description = "job id (default: derived from the inputs and options, so rerunning resumes)" };
        var device = CommonOptions.Device();
        var styleWeights = new Option<FileInfo?>("--style-weights") { Description = "torchvision .pth for --style-network (required for vgg16/vgg19; resnet18's weights ship with SinGanSeg)" };
        var inceptionWeights = new Option<FileInfo?>("--inception-weights") { Description = "torchvision inception_v3 .pth: score with SIFID-Inception instead of the offline SIFID-ResNet18-stem" };
        var dashboard = new Option<bool>("--dashboard") { Description = "while the job runs, also serve its dashboard and the REST API on 127.0.0.1 (the address is printed; it stops when the run ends)" };
        var dashboardPort = new Option<int>("--dashboard-port") { Description = "the dashboard's port (0 = any free port)", DefaultValueFactory = _ => 0 };
        var command = new Command("run", "Train a model per image and generate the synthetic dataset, on this machine (embedded cluster). Rerun to resume.")
        {
            images, masks, output, slots, jobId, device, styleWeights, inceptionWeights, dashboard, dashboardPort,
        };
        job.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            try
            {
                var (pairs, strays) = DatasetPairing.Pair(parse.GetValue(images)!.FullName, parse.GetValue(masks)!.FullName);
                foreach (var p in pairs.Where(p => !p.MaskFound)) Console.Error.WriteLine($"warning: {p.ImagePath} has no mask named {p.Name}.* in the masks folder; it will be reported as failed");
                foreach (var m in strays) Console.Error.WriteLine($"warning: {m} matches no image and is ignored");
                var spec = job.Read(parse).ToSpec("run", [.. pairs.Select(p => new ImageInput(p.Name, new Uri(p.ImagePath).AbsoluteUri, new Uri(p.MaskPath).AbsoluteUri))]);
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
                var log = Path.Combine(state, "singanseg.log");
                // --dashboard: the silo runs inside the web app `serve` runs (dashboard, REST API, API reference), over the same state.
                WebApplication? web = null;
                Func<SinGanSegOptions, IHost>? withDashboard = null;
                if (parse.GetValue(dashboard))
                    withDashboard = o =>
                    {
                        var app = ServeCommand.BuildOver(o, parse.GetValue(dashboardPort), log);
                        web = app;
                        return app;
                    };
                await using var cluster = await EmbeddedSilo.StartAsync(state, parse.GetValue(device)!, parse.GetValue(slots), cancellation,
                    logging => logging.AddProvider(new FileLoggerProvider(log, LogLevel.Information)),
                    o => o with { Weights = weights },
                    buildHost: withDashboard);
                var coordinator = cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
                var accepted = await coordinator.Submit(spec);
                Console.WriteLine($"job {spec.JobId}: {spec.Images.Count} images, preset {spec.Training.Preset}, {spec.SamplesPerImage} samples each" +
                    (accepted.Done > 0 || accepted.Images.Any(i => i.CompletedScales > 0) ? $" (resuming: {accepted.Done} done)" : ""));
                // Printed once the job exists, so the page it names shows it at once.
                if (web is not null)
                    Console.WriteLine($"dashboard: {web.Urls.First().TrimEnd('/')}/jobs/{spec.JobId} (REST API at /api/, reference at /api/docs/; until the run ends)");
                var status = await JobProgressView.Follow(_ => coordinator.GetStatus(), cancellation);
                var written = await DatasetExport.ExportAsync(cluster.Artifacts, status, outDir, cancellation);
                var pairsWritten = status.Images.Sum(i => i.Samples);
                var styledWritten = status.Images.Sum(i => i.Styled);
                Console.WriteLine($"{pairsWritten} synthetic pairs{(styledWritten > 0 ? $" and {styledWritten} restyled images (suffix _styled, sharing their pair's mask)" : "")} " +
                    $"in {Path.Combine(outDir, "images")} and {Path.Combine(outDir, "masks")}, lineage in {Path.Combine(outDir, "manifest.jsonl")} ({written} image files)");
                if (JobProgressView.Summary(status) is { } sifid) Console.WriteLine(sifid);
                if (JobProgressView.GateSummary(status) is { Length: > 0 } gateLine) Console.WriteLine(gateLine.TrimStart(',', ' ') + $"; dataset card in {Path.Combine(outDir, "dataset_card.md")}");
                if (status.EvaluationError is { } evaluationError) Console.Error.WriteLine($"evaluation not run: {evaluationError}");
                if (status.EvaluationId is { } evaluationId)
                {
                    Console.WriteLine($"evaluating: UNet++ on real vs synthetic ({evaluationId})");
                    var evaluationGrain = cluster.Client.GetGrain<IEvaluationCoordinatorGrain>(evaluationId);
                    var evaluation = await EvaluationProgressView.Follow(_ => evaluationGrain.GetStatus(), cancellation);
                    var reportDir = Path.Combine(outDir, "evaluation");
                    await EvaluationProgressView.ExportAsync(cluster.Artifacts, evaluation, reportDir, cancellation);
                    await DatasetExport.ExportCardAsync(cluster.Artifacts, spec.JobId, outDir, cancellation);
                    EvaluationProgressView.PrintSummary(evaluation);
                    Console.WriteLine($"evaluation report in {Path.Combine(reportDir, "report.md")}");
                    if (evaluation.Phase != EvaluationPhase.Completed) return ExitCodes.CompletedWithErrors;
                }
                foreach (var failed in status.Images.Where(i => i.Phase == ImagePhase.Failed))
                    Console.Error.WriteLine($"failed: {failed.Name}: {failed.Error}");
                return ExitCodes.ForJob(status.Phase);
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, $"Progress is kept in {Path.Combine(outDir, ".singanseg")}; run the same command again to resume.");
            }
        });
        return command;
    }
}
