using SinGanSeg.Silo.Api;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>
/// The job dashboard web page served by the API host: the job list at /, one job at /jobs/{id}
/// (the same page; its script reads the path), its files under /ui/, and the small APIs it needs
/// beyond the job API (job list with counts, live events, thumbnails).
/// </summary>
public static class JobDashboard
{
    public static WebApplication MapJobDashboard(this WebApplication app)
    {
        app.MapGet("/", (HttpContext http) => DashboardAssets.Serve(http, "index.html")).ExcludeFromDescription();
        app.MapGet("/jobs/{jobId}", (HttpContext http) => DashboardAssets.Serve(http, "index.html")).ExcludeFromDescription();
        app.MapGet("/ui/{file}", (HttpContext http, string file) => DashboardAssets.Serve(http, file)).ExcludeFromDescription();
        app.MapGet("/api/dashboard/jobs", async (IClusterClient client) => TypedResults.Ok(await JobSummaries.Recent(client)))
            .AddEndpointFilter(ProblemMapping.Filter)
            .WithTags("Dashboard").WithName("DashboardJobs").WithSummary("The newest jobs with their counts, as the dashboard lists them");
        app.MapJobEventsApi();
        app.MapThumbnailApi();
        return app;
    }
}
