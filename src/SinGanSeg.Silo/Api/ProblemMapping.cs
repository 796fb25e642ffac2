using SinGanSeg.Core.Imaging;
using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Silo.Api;

/// <summary>Maps failures to RFC 7807 problem details with a status a client can act on.</summary>
public static class ProblemMapping
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (Map(e) is { } problem)
        {
            return problem;
        }
    }

    public static IResult? Map(Exception e) => e switch
    {
        UploadTooLargeException => Problem(413, "Upload too large", e.Message),
        KeyNotFoundException => Problem(404, "Not found", e.Message),
        JobConflictException => Problem(409, "Job id already used", e.Message),
        JobNotFinishedException => Problem(409, "Job not finished", e.Message),
        JobRetryException => Problem(409, "Cannot retry", e.Message),
        JobDeletionException => Problem(409, "Cannot delete yet", e.Message),
        InvalidInputException or ArgumentException or DirectoryNotFoundException or FileNotFoundException => Problem(400, "Invalid job", e.Message),
        BadHttpRequestException bad => Problem(bad.StatusCode, "Bad request", e.Message),
        InvalidDataException => Problem(400, "Malformed upload", e.Message),
        System.Text.Json.JsonException => Problem(400, "Invalid JSON", e.Message),
        _ => null,
    };

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);
}
