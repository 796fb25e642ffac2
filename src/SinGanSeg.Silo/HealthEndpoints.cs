using SinGanSeg.Grains.Execution;

namespace SinGanSeg.Silo;

/// <summary>
/// Probes: live while the process serves requests and has a training slot that is not stuck; ready once the silo has started and until it
/// begins to stop, so a draining pod leaves the Service before its trainings hand over.
/// </summary>
public static class HealthEndpoints
{
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        app.MapGet("/health", () => TypedResults.Ok(new Probe("ok"))).AllowAnonymous().WithTags("Probes").WithSummary("The process answers");
        var executor = app.Services.GetRequiredService<ExecutorHealth>();
        // Every training slot's thread stuck past its cancellation (a hung driver, say): only a
        // restart frees the device, so the liveness probe asks for one; the images resume elsewhere.
        app.MapGet("/health/live", () => executor.Wedged
                ? Results.Json(new Probe($"wedged: all {executor.Slots} training slots' threads are stuck; restart the silo"), statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Ok(new Probe("live")))
            .AllowAnonymous().WithTags("Probes").WithSummary("Liveness probe: 503 when every training slot's thread is stuck")
            .Produces<Probe>().Produces<Probe>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/health/ready", () =>
            lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested
                ? Results.Ok(new { status = "ready" })
                : Results.Json(new Probe("not ready"), statusCode: StatusCodes.Status503ServiceUnavailable)).AllowAnonymous()
            .WithTags("Probes").WithSummary("Readiness probe: 503 while starting or draining")
            .Produces<Probe>().Produces<Probe>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }
}

public sealed record Probe(string Status);
