using System.Net;
using Microsoft.AspNetCore.Authentication;

namespace SinGanSeg.Silo.Security;

/// <summary>/login and /logout: browsers trade an API key for an HttpOnly cookie so both dashboards work without a header.</summary>
public static class LoginEndpoints
{
    public static IEndpointRouteBuilder MapLoginEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/login", (string? returnUrl) => Page(LocalOrRoot(returnUrl), error: null)).AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/login", async (HttpContext context, ApiKeyValidator validator, AuthOptions options) =>
        {
            var form = await context.Request.ReadFormAsync();
            var returnUrl = LocalOrRoot(form["returnUrl"].ToString());
            var key = form["apiKey"].ToString();
            if (!validator.IsValid(key))
                return Page(returnUrl, validator.HasKeys ? "That API key is not valid." : "This server accepts OIDC bearer tokens only; it has no API keys to sign in with.", StatusCodes.Status401Unauthorized);
            var now = DateTimeOffset.UtcNow;
            var ends = now + options.SessionLifetime;
            var idle = now + options.CookieLifetime;
            await context.SignInAsync(AuthSchemes.Cookie, CookieSessions.Principal(key, ends), new AuthenticationProperties
            {
                IsPersistent = false,
                ExpiresUtc = idle < ends ? idle : ends,
            });
            return Results.Redirect(returnUrl);
        }).AllowAnonymous().DisableAntiforgery().RequireRateLimiting(LoginRateLimit.Policy).ExcludeFromDescription();

        app.MapMethods("/logout", ["GET", "POST"], async (HttpContext context) =>
        {
            await context.SignOutAsync(AuthSchemes.Cookie);
            return Results.Redirect("/login");
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    /// <summary>Only paths on this host: "//evil.example" and "/\evil.example" are other hosts to a browser.</summary>
    public static string LocalOrRoot(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl) ? url : "/";

    public static IResult Page(string returnUrl, string? error, int status = StatusCodes.Status200OK)
    {
        var message = error is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>";
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · SinGAN-Seg</title>
            <style>
              body { font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 100vh; margin: 0; background: #f4f5f7; }
              form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); width: min(24rem, 90vw); }
              label, input, button { display: block; width: 100%; box-sizing: border-box; }
              input { margin: .5rem 0 1rem; padding: .5rem; font: inherit; }
              button { padding: .6rem; font: inherit; cursor: pointer; }
              .error { color: #b00020; }
            </style>
            </head>
            <body>
            <form method="post" action="/login">
              <h1>SinGAN-Seg</h1>
              {{message}}
              <label for="apiKey">API key</label>
              <input id="apiKey" name="apiKey" type="password" autocomplete="current-password" required autofocus>
              <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl)}}">
              <button type="submit">Sign in</button>
            </form>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
