using Microsoft.AspNetCore.Hosting;

namespace SinGanSeg.Silo.Telemetry;

/// <summary>
/// Adds the management port to what Kestrel listens on, next to the configured API addresses.
/// It binds loopback when the API does (the embedded default is for this machine only) and
/// every interface otherwise, so a cluster's Prometheus can scrape the pod.
/// </summary>
public static class ManagementPort
{
    private const string DefaultUrls = "http://localhost:5000";

    public static void Listen(WebApplicationBuilder builder, int port)
    {
        var endpoints = builder.Configuration.GetSection("Kestrel:Endpoints");
        if (endpoints.GetChildren().Any())
        {
            // Endpoints from configuration replace URLs altogether: add one more of those.
            var loopback = endpoints.GetChildren().All(e => IsLoopback(e["Url"]));
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kestrel:Endpoints:Management:Url"] = Url(loopback, port) });
            return;
        }
        // UseUrls below replaces every other way of naming the API's addresses, so carry them over:
        // containers name theirs with ASPNETCORE_HTTP_PORTS, not URLs.
        var all = ApiUrls(builder.WebHost);
        builder.WebHost.UseUrls([.. all, Url(all.All(IsLoopback), port)]);
    }

    private static string[] ApiUrls(IWebHostBuilder host)
    {
        const StringSplitOptions Split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        if (host.GetSetting(WebHostDefaults.ServerUrlsKey) is { Length: > 0 } urls) return urls.Split(';', Split);
        var ports = (host.GetSetting(WebHostDefaults.HttpPortsKey) ?? "").Split(';', Split).Select(p => $"http://+:{p}")
            .Concat((host.GetSetting(WebHostDefaults.HttpsPortsKey) ?? "").Split(';', Split).Select(p => $"https://+:{p}"))
            .ToArray();
        return ports.Length > 0 ? ports : [DefaultUrls];
    }

    private static string Url(bool loopback, int port) => loopback ? $"http://127.0.0.1:{port}" : $"http://+:{port}";

    private static bool IsLoopback(string? url)
    {
        if (url is null) return false;
        var host = url.Split("://", 2)[^1].Split('/')[0];
        host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        return host is "localhost" or "127.0.0.1" or "[::1]";
    }
}
