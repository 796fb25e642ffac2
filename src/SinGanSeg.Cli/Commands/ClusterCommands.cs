using System.CommandLine;
using System.IO.Compression;
using SinGanSeg.Abstractions;
using SinGanSeg.Cli.Cluster;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Training;
using Spectre.Console;

namespace SinGanSeg.Cli.Commands;

/// <summary>submit, status, watch, cancel, download and jobs: the cluster's REST API from the command line.</summary>
public static class ClusterCommands
{
    private static Option<Uri> Api() => new("--api")
    {
        Description = "the cluster's API address (default: SINGANSEG_API, else the embedded silo host on this machine)",
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("SINGANSEG_API") ?? "http://127.0.0.1:5080"),
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
            result.AddError($"--api '{text}' must be an http(s) address such as http://silo:8080");
            return null;
        },
    };

    private static Option<string?> ApiKey() => new("--api-key")
    {
        Description = "API key (default: SINGANSEG_API_KEY)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SINGANSEG_API_KEY"),
    };

    private static Option<string> JobId() => new("--job-id") { Description = "the job's id", Required = true };

    public static IEnumerable<Command> Create() => [Submit(), Status(), Watch(), Cancel(), Download(), Jobs()];

    private static Command Submit()
    {
        var api = Api();
        var key = ApiKey();
        var jobId = JobId();
        var images = new Option<string>("--images") { Description = "folder of images (a server-side path, or a local one with --upload)", Required = true };
        var masks = new Option<string>("--masks") { Description = "folder of masks, paired by file name", Required = true };
        var upload = new Option<bool>("--upload") { Description = "send the files instead of naming server-side folders" };
        var samples = new Option<int>("--samples-per-image") { DefaultValueFactory = _ => 10, Description = "synthetic pairs per image" };
        var preset = new Option<string>("--preset") { DefaultValueFactory = _ => "paper", Description = "paper, fast, quick or tiny" };
        preset.AcceptOnlyFromAmong([.. Presets.Names]);
        var iters = new Option<int?>("--iters") { Description = "iterations per scale (overrides the preset)" };
        var seed = CommonOptions.Seed("training and sampling");
        var style = StyleOptionsCli.Create();
        var command = new Command("submit", "Submit a dataset to a cluster (returns at once; the job runs on the cluster).")
        {
            api, key, jobId, images, masks, upload, samples, preset, iters, seed, style.Ratio, style.Network, style.Steps, style.NoScore,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                using var client = new JobApiClient(parse.GetValue(api)!, parse.GetValue(key));
                var options = new
                {
                    jobId = parse.GetValue(jobId),
                    preset = parse.GetValue(preset),
                    iterations = parse.GetValue(iters),
                    samplesPerImage = parse.GetValue(samples),
                    seed = parse.GetValue(seed),
                    style = style.Read(parse),
                    score = !parse.GetValue(style.NoScore),
                };
                JobStatus status;
                if (parse.GetValue(upload))
                {
                    var (pairs, _) = DatasetPairing.Pair(parse.GetValue(images)!, parse.GetValue(masks)!);
                    status = await client.UploadAsync(options.jobId!, options, pairs.Select(p => p.ImagePath), pairs.Where(p => p.MaskFound).Select(p => p.MaskPath), cancellation);
                }
                else
                {
                    status = await client.SubmitAsync(new
                    {
                        options.jobId, options.preset, options.iterations, options.samplesPerImage, options.seed, options.style, options.score,
                        imagesDir = Path.GetFullPath(parse.GetValue(images)!),
                        masksDir = Path.GetFullPath(parse.GetValue(masks)!),
                    }, cancellation);
                }
                Console.WriteLine($"job {status.JobId}: {status.Phase}, {status.Total} images; follow it with 'singanseg watch --job-id {status.JobId}'");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Report(e);
            }
        });
        return command;
    }

    private static Command Status()
    {
        var api = Api();
        var key = ApiKey();
        var jobId = JobId();
        var command = new Command("status", "Show a job's progress once.") { api, key, jobId };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                using var client = new JobApiClient(parse.GetValue(api)!, parse.GetValue(key));
                var status = await client.GetAsync(parse.GetValue(jobId)!, cancellation);
                AnsiConsole.Write(JobProgressView.Render(status));
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Report(e);
            }
        });
        return command;
    }

    private static Command Watch()
    {
        var api = Api();
        var key = ApiKey();
        var jobId = JobId();
        var command = new Command("watch", "Follow a job until it ends.") { api, key, jobId };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                using var client = new JobApiClient(parse.GetValue(api)!, parse.GetValue(key));
                var status = await JobProgressView.Follow(ct => client.GetAsync(parse.GetValue(jobId)!, ct), cancellation);
                return status.Phase == JobPhase.Completed ? ExitCodes.Ok : RunCommand.CompletedWithErrors;
            }
            catch (Exception e)
            {
                return Report(e);
            }
        });
        return command;
    }

    private static Command Cancel()
    {
        var api = Api();
        var key = ApiKey();
        var jobId = JobId();
        var command = new Command("cancel", "Cancel a job; finished images and their samples are kept.") { api, key, jobId };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                using var client = new JobApiClient(parse.GetValue(api)!, parse.GetValue(key));
                var status = await client.CancelAsync(parse.GetValue(jobId)!, cancellation);
                Console.WriteLine($"job {status.JobId}: {status.Phase} ({status.Done} of {status.Total} images had finished)");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Report(e);
            }
        });
        return command;
    }

    private static Command Download()
    {
        var api = Api();
        var key = ApiKey();
        var jobId = JobId();
        var output = new Option<DirectoryInfo>("--out") { Description = "where to write images/, masks/ and manifest.jsonl", Required = true };
        var command = new Command("download", "Download a finished job's dataset.") { api, key, jobId, output };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                using var client = new JobApiClient(parse.GetValue(api)!, parse.GetValue(key));
                var outDir = parse.GetValue(output)!.FullName;
                Directory.CreateDirectory(outDir);
                var zip = Path.Combine(outDir, $".{parse.GetValue(jobId)}.zip.part");
                await client.DownloadAsync(parse.GetValue(jobId)!, zip, cancellation);
                ZipFile.ExtractToDirectory(zip, outDir, overwriteFiles: true);
                File.Delete(zip);
                Console.WriteLine($"{Directory.GetFiles(Path.Combine(outDir, "images")).Length} pairs in {outDir}");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Report(e);
            }
        });
        return command;
    }

    private static Command Jobs()
    {
        var api = Api();
        var key = ApiKey();
        var command = new Command("jobs", "List the cluster's jobs.") { api, key };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                using var client = new JobApiClient(parse.GetValue(api)!, parse.GetValue(key));
                foreach (var job in await client.ListAsync(cancellation)) Console.WriteLine($"{job.JobId}\t{job.CreatedAt:u}");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Report(e);
            }
        });
        return command;
    }

    private static int Report(Exception e) => e switch
    {
        ApiException { Status: System.Net.HttpStatusCode.Unauthorized } api =>
            Fail($"the API needs an API key: pass --api-key or set SINGANSEG_API_KEY ({api.Message})", ExitCodes.Usage),
        ApiException { Status: >= System.Net.HttpStatusCode.BadRequest and < System.Net.HttpStatusCode.InternalServerError } api => Fail(api.Message, ExitCodes.Usage),
        HttpRequestException http => Fail($"cannot reach the API ({http.Message}); is the silo running, and is --api right?", ExitCodes.Failed),
        _ => ErrorReporter.Report(e),
    };

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
