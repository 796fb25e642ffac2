namespace SinGanSeg.Silo;

/// <summary>
/// Probes: live while the process serves requests; ready once the silo has started and until it
/// begins to stop, so a draining pod leaves the Service before its trainings hand over.
/// </summary>
public static class HealthEndpoints
{
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        app.MapGet("/health", () => TypedResults.Ok(new Probe("ok"))).AllowAnonymous().WithTags("Probes").WithSummary("The process answers");
        app.MapGet("/health/live", () => TypedResults.Ok(new Probe("live"))).AllowAnonymous().WithTags("Probes").WithSummary("Liveness probe");
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
