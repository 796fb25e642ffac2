using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// ASPNETCORE_HTTP_PORTS (set by the container images) or a "+"/"0.0.0.0" URL binds every
/// interface, which the embedded mode's open-by-default was never meant for: without credentials
/// the host refuses to start there unless Auth:Required=false says open on purpose. Loopback-only
/// hosts also accept only loopback Host headers (AllowedHosts), so a hostile page cannot reach
/// them through a DNS name rebound to 127.0.0.1.
/// </summary>
public static class OpenHostGuard
{
    public const string LoopbackHosts = "localhost;127.0.0.1;[::1]";

    public static void Check(WebApplicationBuilder builder, SinGanSegOptions options, AuthOptions auth)
    {
        var urls = ListenAddress.ApiUrls(builder.WebHost, builder.Configuration);
        var open = urls.FirstOrDefault(u => !ListenAddress.IsLoopback(u));
        if (open is not null && auth.Required is null && !auth.IsRequired(options.Storage))
            throw new ArgumentException($"refusing to start: the API would listen on {open} (not loopback) without authentication; set Auth__ApiKeys (or Auth__Oidc__Authority and Auth__Oidc__Audience), or Auth__Required=false to serve it open on purpose");
        if (open is null && options.Storage == StorageMode.Embedded && string.IsNullOrWhiteSpace(builder.Configuration["AllowedHosts"]))
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AllowedHosts"] = LoopbackHosts });
    }

    /// <summary>Whether the API listens on loopback only (server-side paths are then the local user's own files).</summary>
    public static bool IsLoopbackOnly(WebApplicationBuilder builder) =>
        ListenAddress.ApiUrls(builder.WebHost, builder.Configuration).All(ListenAddress.IsLoopback);
}
