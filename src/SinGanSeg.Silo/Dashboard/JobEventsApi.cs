using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Silo.Api;
using SinGanSeg.Silo.Security;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>
/// Live updates as Server-Sent Events: GET /api/jobs/{job}/events sends the job's status and
/// GET /api/dashboard/jobs/events the job list, each whenever it changes. The server polls the
/// grains (every second, slower once nothing moves) so a browser holds one connection instead of
/// polling itself; a finished job keeps its stream open so a retry shows up.
/// </summary>
public static class JobEventsApi
{
    private static readonly TimeSpan Active = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapJobEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/jobs/{jobId}/events", (string jobId, IClusterClient client, HttpContext http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) =>
        {
            var job = client.GetGrain<IJobCoordinatorGrain>(JobValidation.RequireSafeName(jobId, "job id"));
            return Stream(http, json.Value.SerializerOptions, async () =>
            {
                var status = await job.GetStatus();
                return (status, status.IsFinished ? Idle : Active);
            });
        }).AddEndpointFilter(ProblemMapping.Filter)
        .WithTags("Jobs").WithName("JobStatusStream")
        .WithSummary("Server-Sent Events: the job's status (as GET /api/jobs/{jobId}) whenever it changes")
        .Produces<JobStatus>(StatusCodes.Status200OK, "text/event-stream")
        .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/api/dashboard/jobs/events", (IClusterClient client, HttpContext http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) =>
            Stream(http, json.Value.SerializerOptions, async () =>
            {
                var jobs = await JobSummaries.Recent(client);
                return (jobs, jobs.Any(j => j.IsActive) ? Active : Idle);
            })).AddEndpointFilter(ProblemMapping.Filter)
            .WithTags("Dashboard").WithName("DashboardJobsStream")
            .WithSummary("Server-Sent Events: the dashboard's job list whenever it changes")
            .Produces<IReadOnlyList<JobSummary>>(StatusCodes.Status200OK, "text/event-stream");
        return app;
    }

    /// <summary>Reads once before answering, so an unknown job is a plain 404 rather than a broken stream.</summary>
    private static async Task<IResult> Stream<T>(HttpContext http, JsonSerializerOptions json, Func<Task<(T Value, TimeSpan Next)>> read)
    {
        using var lease = http.RequestServices.GetRequiredService<EventStreamLimiter>().TryOpen(http);
        if (lease is null)
        {
            var limit = http.RequestServices.GetRequiredService<JobLimits>().MaxEventStreamsPerClient;
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many event streams",
                detail: $"this client already has {limit} live event streams open (Limits:MaxEventStreamsPerClient); close one first");
        }
        var (value, next) = await read();
        // Ends with the host too: an open stream would otherwise hold a silo's shutdown for its whole timeout.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted,
            http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var cancellation = ending.Token;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // proxies such as nginx would hold the events back
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        string? last = null;
        var quietSince = DateTime.UtcNow;
        try
        {
            await http.Response.WriteAsync("retry: 2000\n\n", cancellation);
            while (true)
            {
                var data = JsonSerializer.Serialize(value, json);
                if (data != last)
                {
                    await http.Response.WriteAsync(new StringBuilder("data: ").Append(data).Append("\n\n").ToString(), cancellation);
                    last = data;
                    quietSince = DateTime.UtcNow;
                }
                else if (DateTime.UtcNow - quietSince > KeepAlive)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellation);
                    quietSince = DateTime.UtcNow;
                }
                await http.Response.Body.FlushAsync(cancellation);
                await Task.Delay(next, cancellation);
                (value, next) = await read();
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The browser went away, or the host is stopping: the browser reconnects elsewhere or polls.
        }
        return Results.Empty;
    }
}
