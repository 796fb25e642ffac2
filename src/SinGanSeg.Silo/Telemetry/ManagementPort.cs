using SinGanSeg.Silo.Security;

namespace SinGanSeg.Silo.Telemetry;

/// <summary>
/// Adds the management port to what Kestrel listens on, next to the configured API addresses.
/// It binds loopback when the API does (the embedded default is for this machine only) and
/// every interface otherwise, so a cluster's Prometheus can scrape the pod. Requests are told
/// apart by the port they arrived on, never by their Host header (which any client writes):
/// the management port answers /metrics and the health probes only, and the API ports never /metrics.
/// </summary>
public static class ManagementPort
{
    public static void Listen(WebApplicationBuilder builder, int port)
    {
        var endpoints = builder.Configuration.GetSection("Kestrel:Endpoints");
        if (endpoints.GetChildren().Any())
        {
            // Endpoints from configuration replace URLs altogether: add one more of those.
            var loopback = endpoints.GetChildren().All(e => ListenAddress.IsLoopback(e["Url"]));
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kestrel:Endpoints:Management:Url"] = Url(loopback, port) });
            return;
        }
        // UseUrls below replaces every other way of naming the API's addresses, so carry them over:
        // containers name theirs with ASPNETCORE_HTTP_PORTS, not URLs.
        var all = ListenAddress.ApiUrls(builder.WebHost, builder.Configuration);
        builder.WebHost.UseUrls([.. all, Url(all.All(ListenAddress.IsLoopback), port)]);
    }

    /// <summary>
    /// First in the pipeline: /metrics on the management port (open: scrapers carry no API
    /// credentials), 404 for /metrics anywhere else and for anything but /metrics and /health on
    /// the management port. The connection's local port decides.
    /// </summary>
    public static WebApplication UseManagementPort(this WebApplication app, int port)
    {
        app.Use(async (context, next) =>
        {
            var onManagement = context.Connection.LocalPort == port;
            var isMetrics = context.Request.Path.StartsWithSegments("/metrics");
            if (isMetrics != onManagement && !(onManagement && context.Request.Path.StartsWithSegments("/health")))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        });
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Connection.LocalPort == port && context.Request.Path == "/metrics");
        return app;
    }

    private static string Url(bool loopback, int port) => loopback ? $"http://127.0.0.1:{port}" : $"http://+:{port}";
}
