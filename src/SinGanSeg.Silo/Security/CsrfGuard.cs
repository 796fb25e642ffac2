namespace SinGanSeg.Silo.Security;

/// <summary>
/// A browser sends the login cookie with any request, even one a hostile page starts, so a
/// state-changing request authenticated by the cookie must also carry a header that a cross-site
/// form cannot set (and a cross-site fetch cannot without a CORS preflight this host never grants).
/// API-key and bearer requests carry their credential explicitly and need nothing more. A host
/// without credentials (the embedded default) is open to any page the user visits, so there every
/// write needs the header; the CLI and the dashboard always send it.
/// </summary>
public static class CsrfGuard
{
    public static IApplicationBuilder UseCsrfGuard(this IApplicationBuilder app, bool everyWrite) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && (everyWrite || context.User.Identity is { IsAuthenticated: true, AuthenticationType: AuthSchemes.Cookie })
            // Signing in needs a valid key and signing out loses nothing, so neither is worth forging.
            && !context.Request.Path.StartsWithSegments("/login") && !context.Request.Path.StartsWithSegments("/logout")
            && context.Request.Headers[AuthSchemes.CsrfHeader].ToString() != AuthSchemes.CsrfHeaderValue)
        {
            await Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Missing CSRF header",
                detail: everyWrite
                    ? $"requests that change anything must send the header '{AuthSchemes.CsrfHeader}: {AuthSchemes.CsrfHeaderValue}' (the singanseg CLI and the dashboard do)"
                    : $"requests signed in with the login cookie that change anything must send the header '{AuthSchemes.CsrfHeader}: {AuthSchemes.CsrfHeaderValue}'").ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
