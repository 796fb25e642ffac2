using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Silo.Security;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// The REST API: submit (server-side paths, or a multipart upload of images/ and masks/), list,
/// get, cancel, retry failed images, delete, and download a finished dataset (zip) or its manifest. Errors are RFC 7807
/// problem details (see <see cref="ProblemMapping"/>).
/// </summary>
public static class JobApi
{
    public static IEndpointRouteBuilder MapJobApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").AddEndpointFilter(ProblemMapping.Filter).WithTags("Jobs");

        // The phase rules of Abstractions' Phases, so the dashboard keeps no copy of them.
        app.MapGet("/api/phases", () => TypedResults.Ok(new PhaseRules(Phases.TerminalImage, Phases.WorkingImage, Phases.ActiveImage, Phases.WaitingImage, Phases.FinishedJob)))
            .AddEndpointFilter(ProblemMapping.Filter).WithTags("Jobs")
            .WithName("GetPhases").WithSummary("The phase rules (terminal, working, active and waiting image phases; finished job phases) the dashboard and CLI use");

        jobs.MapPost("/", async (JobSubmission submission, IClusterClient client, InputRoots roots, JobLimits limits, IConfiguration configuration) =>
        {
            var spec = limits.Check(JobSpecs.FromSubmission(submission, roots, SiteGates(configuration)));
            var status = await client.GetGrain<IJobCoordinatorGrain>(spec.JobId).Submit(spec);
            return TypedResults.Accepted($"/api/jobs/{spec.JobId}", status);
        })
        .WithName("SubmitJob")
        .WithSummary("Submit a job with server-side folders or an explicit list of files")
        .WithDescription("Submitting the same job again returns its status; a different job under the same id is refused (409).")
        .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        jobs.MapPost("/{jobId}/upload", async (string jobId, HttpRequest request, IClusterClient client, IArtifactStore store, UploadLimits limits, JobLimits jobLimits, SinGanSegOptions silo, IConfiguration configuration) =>
        {
            SafeJobId(jobId);
            // Everything is read and checked before the first write, so a rejected upload changes nothing.
            using var form = await UploadForm.ReadAsync(request, limits, silo.ImageLimits, silo.ScratchDirectory, request.HttpContext.RequestAborted);
            var options = form.OptionsJson is { Length: > 0 } json
                ? JsonSerializer.Deserialize<JobSubmission>(json, JsonSerializerOptions.Web) ?? throw new ArgumentException("options is empty")
                : new JobSubmission { JobId = jobId };
            var images = form.Field("images").ToList();
            var masks = form.Field("masks").ToDictionary(f => f.Name, StringComparer.Ordinal);
            if (images.Count == 0) throw new ArgumentException("the upload has no files in the 'images' field");
            var inputs = images.Select(i => new ImageInput(i.Name,
                $"artifact:{ModelKeys.Input(jobId, "images", i.FileName)}",
                $"artifact:{ModelKeys.Input(jobId, "masks", masks.TryGetValue(i.Name, out var m) ? m.FileName : i.Name + ".missing")}")).ToList();
            var spec = JobSpecs.WithOptions(options with { JobId = jobId }, inputs, SiteGates(configuration));
            JobValidation.Validate(spec);
            jobLimits.Check(spec);
            var job = client.GetGrain<IJobCoordinatorGrain>(jobId);
            // Store the files only for a new job: resubmitting returns the existing one untouched.
            if (!await Exists(job))
            {
                foreach (var file in form.Files)
                {
                    await using var stream = File.OpenRead(file.TempPath);
                    await store.PutAsync(ModelKeys.Input(jobId, file.Field, file.FileName), stream);
                }
            }
            var status = await job.Submit(spec);
            return TypedResults.Accepted($"/api/jobs/{jobId}", status);
        }).DisableAntiforgery()
        .WithName("UploadJob")
        .WithSummary("Submit a job by uploading its files")
        .WithDescription("multipart/form-data: image files in 'images', masks in 'masks' (PNG or JPEG, paired by name), and optionally 'options', the JSON of POST /api/jobs without the dataset.")
        .Accepts<UploadRequest>("multipart/form-data")
        .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        // Newest first, a page at a time: { jobs, continuation } — pass continuation back for the next page.
        jobs.MapGet("/", async (IClusterClient client, int? limit, string? continuation, [FromQuery(Name = "phase")] string[]? phases) =>
                TypedResults.Ok(await JobListings.List(client, Math.Clamp(limit ?? 100, 1, 1000), continuation, JobListings.ParsePhases(phases))))
            .WithName("ListJobs")
            .WithSummary("List jobs, newest first, a page at a time, optionally only those in given phases, each with its image counts")
            .WithDescription("limit: at most this many (default 100, at most 1000); continuation: from the previous answer, for the next page (null after the oldest job); phase: only jobs in this phase (repeat it, or comma-separate, for several).")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        jobs.MapGet("/{jobId}", async (string jobId, IClusterClient client) =>
            TypedResults.Ok(await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).GetStatus()))
            .WithName("GetJob")
            .WithSummary("A job's status with every image's progress")
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapPost("/{jobId}/cancel", async (string jobId, IClusterClient client) =>
            TypedResults.Ok(await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).Cancel()))
            .WithName("CancelJob")
            .WithSummary("Stop a job's outstanding work; finished images and their samples are kept")
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapDelete("/{jobId}", async (string jobId, bool? cancel, IClusterClient client, HttpContext http) =>
            TypedResults.Ok(await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).Delete(Requester.Describe(http), cancel ?? false)))
            .WithName("DeleteJob")
            .WithSummary("Delete a job with everything it stored (inputs, samples, manifest, state) and the models no other job uses; ?cancel=true stops it first if it runs; repeating it is harmless")
            .ProducesProblem(StatusCodes.Status409Conflict);

        // ?image=a&image=b retries only those; without it every failed image runs again.
        jobs.MapPost("/{jobId}/retry", async (string jobId, [FromQuery(Name = "image")] string[]? images, IClusterClient client) =>
            TypedResults.Accepted($"/api/jobs/{jobId}", await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).Retry(images ?? [])))
            .WithName("RetryJob")
            .WithSummary("Run the failed images again (all, or those named by ?image=)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        jobs.MapGet("/{jobId}/manifest", async (string jobId, IClusterClient client, IArtifactStore store) =>
        {
            var status = await Finished(client, jobId);
            var stream = await store.OpenReadAsync(status.ManifestKey!) ?? throw new KeyNotFoundException($"manifest of job '{jobId}' is missing");
            return TypedResults.Stream(stream, "application/x-ndjson", $"{jobId}-manifest.jsonl");
        })
        .WithName("GetManifest")
        .WithSummary("The finished dataset's manifest.jsonl (one line of lineage per generated pair)")
        .Produces<Stream>(StatusCodes.Status200OK, "application/x-ndjson")
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        // Streamed straight into the response: nothing of a (possibly large, private) dataset is staged in /tmp.
        jobs.MapGet("/{jobId}/dataset", async (string jobId, IClusterClient client, IArtifactStore store, HttpContext http) =>
        {
            var status = await Finished(client, jobId);
            // ZipArchive writes each entry's small data descriptor synchronously even in its async API (.NET 10).
            if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } body) body.AllowSynchronousIO = true;
            return TypedResults.Stream(body => WriteDatasetZip(store, jobId, status.ManifestKey!, body), "application/zip", $"{jobId}.zip");
        })
        .WithName("DownloadDataset")
        .WithSummary("The finished dataset as a zip of images/, masks/ and manifest.jsonl, streamed")
        .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>The site's gate defaults (configuration section Gates; Helm values gates.*): see <see cref="GateRegistry.SiteDefaults"/>.</summary>
    private static GateDefaults? SiteGates(IConfiguration configuration) => GateRegistry.SiteDefaults(configuration.GetSection("Gates"));

    /// <summary>images/, masks/, manifest.jsonl and the dataset card, as the embedded run writes them (dropped pairs never), into any (even unseekable) stream.</summary>
    public static async Task WriteDatasetZip(IArtifactStore store, string jobId, string manifestKey, Stream output)
    {
        await using var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null);
        foreach (var kind in new[] { "images", "masks" })
        {
            var prefix = $"jobs/{jobId}/{kind}/";
            await foreach (var key in store.ListAsync(prefix))
            {
                await using var source = await store.OpenReadAsync(key);
                if (source is null) continue;
                await using var entry = await zip.CreateEntry($"{kind}/{key[prefix.Length..]}", CompressionLevel.NoCompression).OpenAsync();
                await source.CopyToAsync(entry);
            }
        }
        await using var manifest = await store.OpenReadAsync(manifestKey);
        if (manifest is not null)
        {
            await using var entry = await zip.CreateEntry("manifest.jsonl", CompressionLevel.Optimal).OpenAsync();
            await manifest.CopyToAsync(entry);
        }
        foreach (var extension in new[] { "md", "json", "png" })
        {
            await using var card = await store.OpenReadAsync(ModelKeys.Card(jobId, extension));
            if (card is null) continue;
            await using var entry = await zip.CreateEntry($"dataset_card.{extension}", CompressionLevel.Optimal).OpenAsync();
            await card.CopyToAsync(entry);
        }
    }

    private static async Task<bool> Exists(IJobCoordinatorGrain job)
    {
        try
        {
            await job.GetStatus();
            return true;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }

    private static async Task<JobStatus> Finished(IClusterClient client, string jobId)
    {
        var status = await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).GetStatus();
        if (status.ManifestKey is null)
            throw new JobNotFinishedException($"job '{jobId}' is {status.Phase}; its dataset is ready when the job completes");
        return status;
    }

    private static string SafeJobId(string jobId) => JobValidation.RequireSafeName(jobId, "job id");
}

/// <summary>The upload's form fields, for the API description (the endpoint reads the multipart body itself, checking as it goes).</summary>
public sealed record UploadRequest(IFormFileCollection Images, IFormFileCollection Masks, string? Options);

/// <summary>GET /api/phases: Abstractions' <see cref="Phases"/> lists.</summary>
public sealed record PhaseRules(IReadOnlyList<ImagePhase> TerminalImage, IReadOnlyList<ImagePhase> WorkingImage, IReadOnlyList<ImagePhase> ActiveImage,
    IReadOnlyList<ImagePhase> WaitingImage, IReadOnlyList<JobPhase> FinishedJob);
