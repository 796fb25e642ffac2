namespace SinGanSeg.Silo.Dashboard;

/// <summary>The job dashboard web page served by the API host.</summary>
public static class JobDashboard
{
    public static WebApplication MapJobDashboard(this WebApplication app) => app;
}
