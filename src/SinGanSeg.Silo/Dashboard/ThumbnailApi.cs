using SinGanSeg.Core.Imaging;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Silo.Api;
using SinGanSeg.Silo.Security;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>
/// Small previews for the dashboard: GET /api/jobs/{job}/images/{image}/thumbnail/{image|mask}
/// (the real pair), GET /api/jobs/{job}/samples/{sample}/thumbnail/{image|mask} (a generated pair;
/// a "_styled" sample has an image only) and GET /api/jobs/{job}/images/{image}/samples (their names).
/// </summary>
public static class ThumbnailApi
{
    public static IEndpointRouteBuilder MapThumbnailApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs/{jobId}").AddEndpointFilter(ProblemMapping.Filter).WithTags("Images");

        jobs.MapGet("/images/{image}/samples", async (string jobId, string image, IArtifactStore store, InputRoots roots, int? take) =>
        {
            var samples = await new JobArtifacts(store, roots).Samples(jobId, image);
            return TypedResults.Ok(new SampleList(samples.Count, [.. samples.Take(Math.Clamp(take ?? 4, 0, 100))]));
        })
        .WithName("ImageSamples").WithSummary("An image's generated samples (?take=, default 4) with their SIFID")
        .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapGet("/images/{image}/flagged", async (string jobId, string image, IArtifactStore store, InputRoots roots, int? take) =>
        {
            var flagged = await new JobArtifacts(store, roots).Flagged(jobId, image);
            return TypedResults.Ok(new FlaggedList(flagged.Count, [.. flagged.Take(Math.Clamp(take ?? 4, 0, 100))]));
        })
        .WithName("ImageFlagged").WithSummary("An image's samples a gate flagged (kept or dropped) with the gates that flagged them, worst first (?take=, default 4)")
        .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapGet("/images/{image}/thumbnail/{kind}", async (string jobId, string image, string kind, int? size, IArtifactStore store, InputRoots roots, HttpContext http) =>
            await Serve(http, IsMask(kind), size, ct => new JobArtifacts(store, roots).OpenInput(jobId, image, IsMask(kind), ct)))
            .WithName("ImageThumbnail").WithSummary("The real image or mask ({kind} = image or mask), downscaled to ?size= px (default 160)")
            .Produces<Stream>(StatusCodes.Status200OK, "image/jpeg", "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        jobs.MapGet("/samples/{sample}/thumbnail/{kind}", async (string jobId, string sample, string kind, int? size, IArtifactStore store, InputRoots roots, HttpContext http) =>
            await Serve(http, IsMask(kind), size, ct => new JobArtifacts(store, roots).OpenSample(jobId, sample, IsMask(kind), ct)))
            .WithName("SampleThumbnail").WithSummary("A generated image (raw or its _styled version) or mask, downscaled")
            .Produces<Stream>(StatusCodes.Status200OK, "image/jpeg", "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    public sealed record SampleList(int Count, IReadOnlyList<JobArtifacts.Sample> Samples);

    public sealed record FlaggedList(int Count, IReadOnlyList<JobArtifacts.FlaggedSample> Samples);

    private static bool IsMask(string kind) => kind switch
    {
        "image" => false,
        "mask" => true,
        _ => throw new KeyNotFoundException($"thumbnail kind '{kind}' is unknown: use image or mask"),
    };

    private static async Task<IResult> Serve(HttpContext http, bool mask, int? size, Func<CancellationToken, Task<Stream>> open)
    {
        var cancellation = http.RequestAborted;
        await using var source = await open(cancellation);
        var silo = http.RequestServices.GetRequiredService<SinGanSegOptions>();
        Thumbnails.Thumbnail thumbnail;
        try
        {
            thumbnail = await Thumbnails.Make(source, new ImagePairLoader(silo.ImageLimits), Path.Combine(silo.ScratchDirectory, "thumbnails"),
                mask, Math.Clamp(size ?? Thumbnails.DefaultSize, 16, Thumbnails.MaxSize), cancellation);
        }
        catch (InvalidInputException e)
        {
            // The loader names the temporary copy; the problem and its fix are what the viewer needs.
            return Results.Problem(detail: $"not a readable image: {e.Problem}. {e.Fix}", statusCode: 422, title: "Unreadable image");
        }
        // A job's inputs and samples do not change under a name, so browsers may keep them a while.
        http.Response.Headers.CacheControl = "private, max-age=3600";
        return Results.File(thumbnail.Bytes, thumbnail.ContentType);
    }
}
