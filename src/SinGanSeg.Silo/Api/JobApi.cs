using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// The REST API: submit (server-side paths, or a multipart upload of images/ and masks/), list,
/// get, cancel, retry failed images, and download a finished dataset (zip) or its manifest. Errors are RFC 7807
/// problem details (see <see cref="ProblemMapping"/>).
/// </summary>
public static class JobApi
{
    private static readonly string[] UploadExtensions = [".png", ".jpg", ".jpeg"];

    public static IEndpointRouteBuilder MapJobApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").AddEndpointFilter(ProblemMapping.Filter);

        jobs.MapPost("/", async (JobSubmission submission, IClusterClient client) =>
        {
            var spec = JobSpecs.FromSubmission(submission);
            var status = await client.GetGrain<IJobCoordinatorGrain>(spec.JobId).Submit(spec);
            return Results.Accepted($"/api/jobs/{spec.JobId}", status);
        });

        jobs.MapPost("/{jobId}/upload", async (string jobId, HttpRequest request, IClusterClient client, IArtifactStore store) =>
        {
            if (!JobValidation.IsSafeName(jobId)) throw new ArgumentException($"job id '{jobId}' must be letters, digits, '.', '_' or '-'");
            var form = await request.ReadFormAsync();
            var options = form.TryGetValue("options", out var json) && json.Count > 0
                ? JsonSerializer.Deserialize<JobSubmission>(json.ToString(), JsonSerializerOptions.Web) ?? throw new ArgumentException("options is empty")
                : new JobSubmission { JobId = jobId };
            var images = Uploads(form.Files.GetFiles("images"));
            var masks = Uploads(form.Files.GetFiles("masks")).ToDictionary(f => f.Name, StringComparer.Ordinal);
            if (images.Count == 0) throw new ArgumentException("the upload has no files in the 'images' field");
            var inputs = images.Select(i => new ImageInput(i.Name,
                $"artifact:{ModelKeys.Input(jobId, "images", i.FileName)}",
                $"artifact:{ModelKeys.Input(jobId, "masks", masks.TryGetValue(i.Name, out var m) ? m.FileName : i.Name + ".missing")}")).ToList();
            var spec = JobSpecs.WithOptions(options with { JobId = jobId }, inputs);
            var job = client.GetGrain<IJobCoordinatorGrain>(jobId);
            // Store the files only for a new job: resubmitting returns the existing one untouched.
            if (!await Exists(job))
            {
                foreach (var (file, kind) in images.Select(f => (f, "images")).Concat(masks.Values.Select(f => (f, "masks"))))
                {
                    await using var stream = file.File.OpenReadStream();
                    await store.PutAsync(ModelKeys.Input(jobId, kind, file.FileName), stream);
                }
            }
            var status = await job.Submit(spec);
            return Results.Accepted($"/api/jobs/{jobId}", status);
        }).DisableAntiforgery();

        jobs.MapGet("/", async (IClusterClient client) => Results.Ok(await client.GetGrain<IJobRegistryGrain>(0).List()));

        jobs.MapGet("/{jobId}", async (string jobId, IClusterClient client) =>
            Results.Ok(await client.GetGrain<IJobCoordinatorGrain>(jobId).GetStatus()));

        jobs.MapPost("/{jobId}/cancel", async (string jobId, IClusterClient client) =>
            Results.Ok(await client.GetGrain<IJobCoordinatorGrain>(jobId).Cancel()));

        // ?image=a&image=b retries only those; without it every failed image runs again.
        jobs.MapPost("/{jobId}/retry", async (string jobId, [FromQuery(Name = "image")] string[]? images, IClusterClient client) =>
            Results.Accepted($"/api/jobs/{jobId}", await client.GetGrain<IJobCoordinatorGrain>(jobId).Retry(images ?? [])));

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
        var status = await client.GetGrain<IJobCoordinatorGrain>(jobId).GetStatus();
        if (status.ManifestKey is null)
            throw new JobNotFinishedException($"job '{jobId}' is {status.Phase}; its dataset is ready when the job completes");
        return status;
    }

    private sealed record Upload(string Name, string FileName, IFormFile File);

    private static List<Upload> Uploads(IReadOnlyList<IFormFile> files)
    {
        var result = new List<Upload>();
        foreach (var f in files)
        {
            // Only the base name counts: "../../x.png" and "a/b.png" arrive as "x.png" and "b.png".
            var fileName = Path.GetFileName(f.FileName.Replace('\\', '/'));
            var extension = Path.GetExtension(fileName).ToLowerInvariant();
            var name = Path.GetFileNameWithoutExtension(fileName);
            if (!UploadExtensions.Contains(extension))
                throw new ArgumentException($"'{f.FileName}': only PNG and JPEG files are accepted");
            if (!JobValidation.IsSafeName(name) || fileName != f.FileName.Replace('\\', '/').Split('/')[^1])
                throw new ArgumentException($"'{f.FileName}': file names must be letters, digits, '.', '_' or '-'");
            result.Add(new Upload(name, name + extension, f));
        }
        var dup = result.GroupBy(u => u.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"two uploaded files are named '{dup.Key}'");
        return result;
    }
}

public sealed class JobNotFinishedException(string message) : Exception(message);
