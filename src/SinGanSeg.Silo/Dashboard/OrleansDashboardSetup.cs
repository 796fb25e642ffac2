namespace SinGanSeg.Silo.Dashboard;

/// <summary>Microsoft.Orleans.Dashboard, mounted under /orleans.</summary>
public static class OrleansDashboardSetup
{
    public static WebApplication MapOrleansDashboard(this WebApplication app) => app;
}
