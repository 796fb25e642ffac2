using System.CommandLine;
using System.IO.Compression;
using SinGanSeg.Abstractions;
using SinGanSeg.Cli.Cluster;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Imaging;
using Spectre.Console;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// submit, status, watch, cancel, retry, download, jobs, events and model: the cluster's REST API from the
/// command line. Every one takes --json for scripts (watch writes one status per line).
/// </summary>
public static class ClusterCommands
{
    public static IEnumerable<Command> Create() => [Submit(), Status(), Watch(), Cancel(), Retry(), Download(), Jobs(), Events(), Model(), Delete()];

    /// <summary>The options every API command shares, and the client they describe.</summary>
    public sealed class ApiOptions
    {
        public Option<Uri> Api { get; } = new("--api")
        {
            Description = "the cluster's API address (default: SINGANSEG_API, else the embedded silo host on this machine, as `singanseg serve` starts it)",
            DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("SINGANSEG_API") ?? "http://127.0.0.1:5080"),
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
                result.AddError($"--api '{text}' must be an http(s) address such as http://silo:8080");
                return null;
            },
        };

        public Option<string?> ApiKey { get; } = new("--api-key")
        {
            Description = "API key (default: SINGANSEG_API_KEY)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SINGANSEG_API_KEY"),
        };

        public Option<bool> Json { get; } = new("--json") { Description = "write JSON (one document per line) instead of text" };

        public Command Add(Command command)
        {
            command.Add(Api);
            command.Add(ApiKey);
            command.Add(Json);
            return command;
        }

        public JobApiClient Client(ParseResult parse) => new(parse.GetValue(Api)!, parse.GetValue(ApiKey));

        /// <summary>Runs an API command: its exceptions become a message on stderr and an exit code from <see cref="ExitCodes"/>.</summary>
        public void SetAction(Command command, Func<ParseResult, JobApiClient, bool, CancellationToken, Task<int>> action) =>
            command.SetAction(async (parse, cancellation) =>
            {
                try
                {
                    using var client = Client(parse);
                    return await action(parse, client, parse.GetValue(Json), cancellation);
                }
                catch (Exception e)
                {
                    return Report(e);
                }
            });
    }

    private static Option<string> JobId() => new("--job-id") { Description = "the job's id", Required = true };

    private static Command Submit()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var images = new Option<string>("--images") { Description = "folder of images (a server-side path, or a local one with --upload)", Required = true };
        var masks = new Option<string>("--masks") { Description = "folder of masks, paired by file name", Required = true };
        var upload = new Option<bool>("--upload") { Description = "send the files instead of naming server-side folders" };
        var job = new JobOptionsCli();
        var command = api.Add(new Command("submit", "Submit a dataset to a cluster (returns at once; the job runs on the cluster). Takes every job option `run` takes.")
        {
            jobId, images, masks, upload,
        });
        job.AddTo(command);
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var id = parse.GetValue(jobId)!;
            var options = job.Read(parse);
            JobStatus status;
            if (parse.GetValue(upload))
            {
                var (pairs, _) = DatasetPairing.Pair(parse.GetValue(images)!, parse.GetValue(masks)!);
                status = await client.UploadAsync(id, Submission(id, options), pairs.Select(p => p.ImagePath), pairs.Where(p => p.MaskFound).Select(p => p.MaskPath), cancellation);
            }
            else
            {
                status = await client.SubmitAsync(Submission(id, options, Path.GetFullPath(parse.GetValue(images)!), Path.GetFullPath(parse.GetValue(masks)!)), cancellation);
            }
            if (json) JsonOutput.Write(status);
            else Console.WriteLine($"job {status.JobId}: {status.Phase}, {status.Total} images; follow it with 'singanseg watch --job-id {status.JobId}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The API's submission body (POST /api/jobs, or the upload's options field).</summary>
    private static Dictionary<string, object?> Submission(string jobId, JobOptionValues o, string? imagesDir = null, string? masksDir = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["jobId"] = jobId, ["preset"] = o.Preset, ["iterations"] = o.Iterations, ["maxSize"] = o.MaxSize,
            ["samplesPerImage"] = o.SamplesPerImage, ["seed"] = o.Seed, ["genStartScale"] = o.GenStartScale,
            ["maxAttempts"] = o.MaxAttempts, ["allowEmptyMasks"] = o.AllowEmptyMasks, ["style"] = o.Style, ["score"] = o.Score,
            ["evaluate"] = o.Evaluate,
            // Per gate by name ({"copyCheck": {"policy": "drop", "threshold": 0.9}}); absent = the site's defaults.
            ["gates"] = o.Gates is { Gates.Count: > 0 } g ? g.Gates : null, ["gateTries"] = o.Gates?.GateTries,
        };
        if (imagesDir is not null) body["imagesDir"] = imagesDir;
        if (masksDir is not null) body["masksDir"] = masksDir;
        return body;
    }

    private static Command Status()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var command = api.Add(new Command("status", "Show a job's progress once.") { jobId });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var status = await client.GetAsync(parse.GetValue(jobId)!, cancellation);
            if (json) JsonOutput.Write(status);
            else AnsiConsole.Write(JobProgressView.Render(status));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var command = api.Add(new Command("watch", "Follow a job until it ends (exit 0 when every image is done, 5 when some failed or it was cancelled). With --json: a status line whenever it changes.") { jobId });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var id = parse.GetValue(jobId)!;
            var status = json
                ? await JsonOutput.Follow(ct => client.GetAsync(id, ct), s => s.IsFinished, cancellation)
                : await JobProgressView.Follow(ct => client.GetAsync(id, ct), cancellation);
            return ExitCodes.ForJob(status.Phase);
        });
        return command;
    }

    private static Command Cancel()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var command = api.Add(new Command("cancel", "Cancel a job; finished images and their samples are kept.") { jobId });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var status = await client.CancelAsync(parse.GetValue(jobId)!, cancellation);
            if (json) JsonOutput.Write(status);
            else Console.WriteLine($"job {status.JobId}: {status.Phase} ({status.Done} of {status.Total} images had finished)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var cancel = new Option<bool>("--cancel") { Description = "stop the job first if it is still running (otherwise a running job is refused)" };
        var command = api.Add(new Command("delete",
            "Delete a job with everything it stored (inputs, samples, manifest, state) and the models no other job uses. Repeating it is harmless; an audit record of who asked stays.")
            { jobId, cancel });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var report = await client.DeleteAsync(parse.GetValue(jobId)!, parse.GetValue(cancel), cancellation);
            if (json) JsonOutput.Write(report);
            else if (!report.Existed) Console.WriteLine($"job {report.JobId}: nothing to delete (it does not exist, or was deleted already)");
            else
                Console.WriteLine($"job {report.JobId}: deleted {report.ObjectsDeleted} stored objects and {report.ModelsDeleted.Length} models"
                    + (report.ModelsKept.Length > 0 ? $"; kept {report.ModelsKept.Length} models other jobs use" : "") + $"; audit record {report.AuditKey}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Retry()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var images = new Option<string[]>("--image") { Description = "retry only this failed image (repeatable; default: every failed image)", AllowMultipleArgumentsPerToken = true };
        var command = api.Add(new Command("retry", "Run a job's failed images again, each with a fresh retry budget; a finished job goes back to Running.") { jobId, images });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var status = await client.RetryAsync(parse.GetValue(jobId)!, parse.GetValue(images) ?? [], cancellation);
            if (json) JsonOutput.Write(status);
            else Console.WriteLine($"job {status.JobId}: {status.Phase}; {status.Images.Count(i => !i.IsTerminal)} images to run again; follow it with 'singanseg watch --job-id {status.JobId}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Download()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var output = new Option<DirectoryInfo>("--out") { Description = "where to write images/, masks/ and manifest.jsonl", Required = true };
        var command = api.Add(new Command("download", "Download a finished job's dataset.") { jobId, output });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var id = parse.GetValue(jobId)!;
            var outDir = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(outDir);
            var zip = Path.Combine(outDir, $".{id}.zip.part");
            await client.DownloadAsync(id, zip, cancellation);
            ZipFile.ExtractToDirectory(zip, outDir, overwriteFiles: true);
            File.Delete(zip);
            var pairs = Directory.GetFiles(Path.Combine(outDir, "images")).Length;
            if (json) JsonOutput.Write(new DownloadResult(id, outDir, pairs, Path.Combine(outDir, "manifest.jsonl")));
            else Console.WriteLine($"{pairs} image files in {outDir}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record DownloadResult(string JobId, string Out, int Images, string Manifest);

    private static Command Events()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var image = new Option<string>("--image") { Description = "the image's name (its file name without extension)", Required = true };
        var command = api.Add(new Command("events", "Show an image's event log: queued, stages, stored scales, retries, resumes, done or failed with the reason.") { jobId, image });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var log = await client.EventsAsync(parse.GetValue(jobId)!, parse.GetValue(image)!, cancellation);
            if (json)
            {
                JsonOutput.Write(log);
                return ExitCodes.Ok;
            }
            Console.WriteLine($"{log.JobId}/{log.Image}: {log.Phase}, attempt {log.Attempts}");
            foreach (var e in log.Events)
                Console.WriteLine($"{e.At:u}  #{e.Attempt}  {e.Kind,-9} {e.Phase,-10} {e.Message}{(e.Silo is null ? "" : $"  [{e.Silo}]")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Model()
    {
        var api = new ApiOptions();
        var jobId = JobId();
        var image = new Option<string>("--image") { Description = "the image whose trained model to download", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "model folder to write (for 'singanseg generate --model')", Required = true };
        var command = api.Add(new Command("model", "Download an image's trained model folder from a cluster.") { jobId, image, output });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(outDir);
            var zip = Path.Combine(outDir, ".model.zip.part");
            await client.DownloadModelAsync(parse.GetValue(jobId)!, parse.GetValue(image)!, zip, cancellation);
            ZipFile.ExtractToDirectory(zip, outDir, overwriteFiles: true);
            File.Delete(zip);
            var scales = Directory.Exists(Path.Combine(outDir, "scales")) ? Directory.GetDirectories(Path.Combine(outDir, "scales")).Length : 0;
            if (json) JsonOutput.Write(new ModelResult(parse.GetValue(jobId)!, parse.GetValue(image)!, outDir, scales));
            else Console.WriteLine($"model of {parse.GetValue(image)} ({scales} scales) in {outDir}; sample it with 'singanseg generate --model {outDir} --count 10 --out DIR'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record ModelResult(string JobId, string Image, string Out, int Scales);

    private static Command Jobs()
    {
        var api = new ApiOptions();
        var phase = new Option<string[]>("--phase")
        {
            Description = $"only jobs in this phase (repeatable): {string.Join(", ", Enum.GetNames<JobPhase>())}",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = api.Add(new Command("jobs", "List the cluster's jobs, newest first, with their phase and image counts.") { phase });
        api.SetAction(command, async (parse, client, json, cancellation) =>
        {
            var jobs = await client.ListAsync(cancellation, parse.GetValue(phase));
            if (json) JsonOutput.Write(jobs);
            else
                foreach (var job in jobs)
                    Console.WriteLine($"{job.JobId}\t{job.CreatedAt:u}\t{job.Phase?.ToString() ?? "?"}\t{job.Done}/{job.Total} done" + (job.Failed > 0 ? $", {job.Failed} failed" : ""));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A refused request is the caller's to fix (exit 2); a failing or unreachable server is not (exit 1).</summary>
    public static int Report(Exception e) => e switch
    {
        ApiException { Status: System.Net.HttpStatusCode.Unauthorized } api =>
            Fail($"the API needs an API key: pass --api-key or set SINGANSEG_API_KEY ({api.Message})", ExitCodes.Usage),
        ApiException { Status: >= System.Net.HttpStatusCode.BadRequest and < System.Net.HttpStatusCode.InternalServerError } api => Fail(api.Message, ExitCodes.Usage),
        ApiException api => Fail($"the server failed: {api.Message}", ExitCodes.Failed),
        HttpRequestException http => Fail($"cannot reach the API ({http.Message}); is the silo host running (`singanseg serve` starts one here), and is --api right?", ExitCodes.Failed),
        _ => ErrorReporter.Report(e),
    };

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
