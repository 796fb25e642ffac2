using Orleans.Dashboard;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>Microsoft.Orleans.Dashboard, mounted under /orleans.</summary>
public static class OrleansDashboardSetup
{
    public const string RoutePrefix = "/orleans";

    public static ISiloBuilder AddSinGanSegOrleansDashboard(this ISiloBuilder silo) => silo.AddDashboard();

    /// <summary>Its endpoints carry no authorization metadata, so the fallback policy of <see cref="Security.SecuritySetup"/> covers them like any page.</summary>
    public static WebApplication MapOrleansDashboard(this WebApplication app)
    {
        ServiceCollectionExtensions.MapOrleansDashboard(app, RoutePrefix);
        return app;
    }
}
