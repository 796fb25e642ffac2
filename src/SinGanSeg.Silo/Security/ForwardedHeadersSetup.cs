using Microsoft.AspNetCore.HttpOverrides;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// Behind a TLS-terminating ingress every request reaches the pod as plain http from the ingress's
/// address, so without the forwarded headers the sign-in cookie would lose its Secure flag and every
/// client would share the ingress's sign-in attempts. Off unless Silo:TrustForwardedHeaders is set.
/// </summary>
public static class ForwardedHeadersSetup
{
    /// <summary>First in the pipeline: authentication, cookies and rate limiting all read the scheme and address it sets.</summary>
    public static WebApplication UseSinGanSegForwardedHeaders(this WebApplication app, SiloHostOptions host)
    {
        if (!host.TrustForwardedHeaders) return app;
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        // The ingress's pod address is not known in advance; trusting any sender is safe only because nothing but the ingress reaches the pods.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        app.UseForwardedHeaders(options);
        return app;
    }
}
