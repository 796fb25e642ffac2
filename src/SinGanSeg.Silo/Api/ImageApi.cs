using System.IO.Compression;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// One image of a job: its event log (GET …/images/{image}/events) and its trained model as a zip
/// of the model folder (GET …/images/{image}/model), which `singanseg generate --model` takes.
/// </summary>
public static class ImageApi
{
    public sealed record ImageEventLog(string JobId, string Image, ImagePhase Phase, int Attempts, IReadOnlyList<ImageEvent> Events);

    public static IEndpointRouteBuilder MapImageApi(this IEndpointRouteBuilder app)
    {
        var images = app.MapGroup("/api/jobs/{jobId}/images/{image}").AddEndpointFilter(ProblemMapping.Filter).WithTags("Images");

        images.MapGet("/events", async (string jobId, string image, IClusterClient client) =>
        {
            var progress = await Image(client, jobId, image);
            var events = await client.GetGrain<IImageModelGrain>(GrainKeys.Image(jobId, image)).GetEvents();
            return TypedResults.Ok(new ImageEventLog(jobId, image, progress.Phase, progress.Attempts, events));
        })
        .WithName("ImageEvents")
        .WithSummary("An image's event log, oldest first: queued, stages, stored scales, retries, resumes, done or failed with the reason")
        .ProducesProblem(StatusCodes.Status404NotFound);

        images.MapGet("/model", async (string jobId, string image, IClusterClient client, IArtifactStore store, HttpContext http) =>
        {
            var progress = await Image(client, jobId, image);
            if (progress.Phase != ImagePhase.Done || progress.ModelKey is null)
                throw new JobNotFinishedException($"image '{image}' of job '{jobId}' is {progress.Phase}; its model can be downloaded once the image is done");
            var prefix = ModelKeys.ModelPrefix(progress.ModelKey);
            var zip = Path.Combine(Path.GetTempPath(), $"singanseg-model-{Guid.NewGuid():N}.zip");
            await WriteZip(store, prefix, zip, http.RequestAborted);
            var stream = new FileStream(zip, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.DeleteOnClose);
            return TypedResults.File(stream, "application/zip", $"{jobId}-{image}-model.zip");
        })
        .WithName("ImageModel")
        .WithSummary("The image's trained model: a zip of the model folder (manifest.json, input.png, scales/N/*.pth) for `singanseg generate --model`")
        .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>The image's progress in its job; 404 for an unknown job or an image the job does not have.</summary>
    private static async Task<ImageProgress> Image(IClusterClient client, string jobId, string image)
    {
        JobValidation.RequireSafeName(jobId, "job id");
        JobValidation.RequireSafeName(image, "image name");
        var status = await client.GetGrain<IJobCoordinatorGrain>(jobId).GetStatus();
        return status.Images.FirstOrDefault(i => i.Name == image) ?? throw new KeyNotFoundException($"job '{jobId}' has no image '{image}'");
    }

    private static async Task WriteZip(IArtifactStore store, string prefix, string path, CancellationToken cancellation)
    {
        await using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        var count = 0;
        await foreach (var key in store.ListAsync(prefix, cancellation))
        {
            await using var source = await store.OpenReadAsync(key, cancellation);
            if (source is null) continue;
            await using var entry = zip.CreateEntry(key[prefix.Length..], CompressionLevel.Fastest).Open();
            await source.CopyToAsync(entry, cancellation);
            count++;
        }
        if (count == 0) throw new KeyNotFoundException($"the model under '{prefix}' is missing from the artifact store");
    }
}
