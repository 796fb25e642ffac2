using Microsoft.AspNetCore.Hosting;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>Where the HTTP API listens: the embedded default, and what the configuration says otherwise.</summary>
public static class ListenAddress
{
    public const int DefaultPort = 5080;

    /// <summary>ASP.NET's own default when nothing names an address.</summary>
    private const string AspNetDefault = "http://localhost:5000";

    /// <summary>
    /// The embedded default is for this machine only: with no address configured it listens on
    /// 127.0.0.1 (port Silo:HttpPort, default 5080) and nowhere else. Any explicit address wins
    /// (urls, http_ports, https_ports, Kestrel:Endpoints), and cluster mode keeps ASP.NET's own default.
    /// </summary>
    public static string? EmbeddedDefault(SinGanSegOptions options, IConfiguration configuration)
    {
        if (options.Storage != StorageMode.Embedded) return null;
        if (new[] { "urls", "http_ports", "https_ports" }.Any(k => !string.IsNullOrWhiteSpace(configuration[k]))) return null;
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()) return null;
        return $"http://127.0.0.1:{configuration.GetValue("Silo:HttpPort", DefaultPort)}";
    }

    /// <summary>
    /// Every address the API will listen on, however it was named: Kestrel:Endpoints (which replace
    /// all others), URLs (--urls, ASPNETCORE_URLS), or ports (ASPNETCORE_HTTP_PORTS, the container
    /// images' way, which binds every interface).
    /// </summary>
    public static string[] ApiUrls(IWebHostBuilder host, IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? "").ToArray();
        if (endpoints.Length > 0) return endpoints;
        const StringSplitOptions Split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        if (host.GetSetting(WebHostDefaults.ServerUrlsKey) is { Length: > 0 } urls) return urls.Split(';', Split);
        var ports = (host.GetSetting(WebHostDefaults.HttpPortsKey) ?? "").Split(';', Split).Select(p => $"http://+:{p}")
            .Concat((host.GetSetting(WebHostDefaults.HttpsPortsKey) ?? "").Split(';', Split).Select(p => $"https://+:{p}"))
            .ToArray();
        return ports.Length > 0 ? ports : [AspNetDefault];
    }

    /// <summary>Whether a URL binds loopback only ("localhost", 127.x, [::1]); "+", "*", "0.0.0.0" and real addresses do not.</summary>
    public static bool IsLoopback(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return false;
        var host = url.Split("://", 2)[^1].Split('/')[0];
        host = host.StartsWith('[') ? host[1..Math.Max(1, host.IndexOf(']'))] : host.Split(':')[0];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip);
    }
}
