using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>Where the HTTP API listens when nothing says otherwise.</summary>
public static class ListenAddress
{
    public const int DefaultPort = 5080;

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
}
