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
/// get, cancel, retry failed images, and download a finished dataset (zip) or its manifest. Errors are RFC 7807
/// problem details (see <see cref="ProblemMapping"/>).
/// </summary>
public static class JobApi
{
    public static IEndpointRouteBuilder MapJobApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").AddEndpointFilter(ProblemMapping.Filter);

        jobs.MapPost("/", async (JobSubmission submission, IClusterClient client) =>
        {
            var spec = JobSpecs.FromSubmission(submission);
            var status = await client.GetGrain<IJobCoordinatorGrain>(spec.JobId).Submit(spec);
            return Results.Accepted($"/api/jobs/{spec.JobId}", status);
        });

        jobs.MapPost("/{jobId}/upload", async (string jobId, HttpRequest request, IClusterClient client, IArtifactStore store, UploadLimits limits, SinGanSegOptions silo) =>
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
            var spec = JobSpecs.WithOptions(options with { JobId = jobId }, inputs);
            JobValidation.Validate(spec);
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
            return Results.Accepted($"/api/jobs/{jobId}", status);
        }).DisableAntiforgery();

        // Newest first, a page at a time: { jobs, continuation } — pass continuation back for the next page.
        jobs.MapGet("/", async (IClusterClient client, int? limit, string? continuation) =>
            Results.Ok(await client.GetGrain<IJobRegistryGrain>(0).List(Math.Clamp(limit ?? 100, 1, 1000), continuation)));

        jobs.MapGet("/{jobId}", async (string jobId, IClusterClient client) =>
            Results.Ok(await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).GetStatus()));

        jobs.MapPost("/{jobId}/cancel", async (string jobId, IClusterClient client) =>
            Results.Ok(await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).Cancel()));

        // ?image=a&image=b retries only those; without it every failed image runs again.
        jobs.MapPost("/{jobId}/retry", async (string jobId, [FromQuery(Name = "image")] string[]? images, IClusterClient client) =>
            Results.Accepted($"/api/jobs/{jobId}", await client.GetGrain<IJobCoordinatorGrain>(SafeJobId(jobId)).Retry(images ?? [])));

        jobs.MapGet("/{jobId}/manifest", async (string jobId, IClusterClient client, IArtifactStore store) =>
        {
            var status = await Finished(client, jobId);
            var stream = await store.OpenReadAsync(status.ManifestKey!) ?? throw new KeyNotFoundException($"manifest of job '{jobId}' is missing");
            return Results.Stream(stream, "application/x-ndjson", $"{jobId}-manifest.jsonl");
        });

        jobs.MapGet("/{jobId}/dataset", async (string jobId, IClusterClient client, IArtifactStore store) =>
        {
            var status = await Finished(client, jobId);
            var zip = Path.Combine(Path.GetTempPath(), $"singanseg-{jobId}-{Guid.NewGuid():N}.zip");
            await WriteDatasetZip(store, jobId, status.ManifestKey!, zip);
            var stream = new FileStream(zip, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.DeleteOnClose);
            return Results.File(stream, "application/zip", $"{jobId}.zip");
        });
        return app;
    }

    /// <summary>images/, masks/ and manifest.jsonl, as the embedded run writes them.</summary>
    public static async Task WriteDatasetZip(IArtifactStore store, string jobId, string manifestKey, string path)
    {
        await using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var kind in new[] { "images", "masks" })
        {
            var prefix = $"jobs/{jobId}/{kind}/";
            await foreach (var key in store.ListAsync(prefix))
            {
                await using var source = await store.OpenReadAsync(key);
                if (source is null) continue;
                await using var entry = zip.CreateEntry($"{kind}/{key[prefix.Length..]}", CompressionLevel.NoCompression).Open();
                await source.CopyToAsync(entry);
            }
        }
        await using var manifest = await store.OpenReadAsync(manifestKey);
        if (manifest is not null)
        {
            await using var entry = zip.CreateEntry("manifest.jsonl", CompressionLevel.Optimal).Open();
            await manifest.CopyToAsync(entry);
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

public sealed class JobNotFinishedException(string message) : Exception(message);
