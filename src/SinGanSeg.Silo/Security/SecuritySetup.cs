using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// Authentication for the API and both dashboards (required in cluster mode), and upload limits.
/// API clients send an API key or an OIDC bearer token; browsers sign in at /login for a cookie.
/// Every endpoint needs an authenticated caller unless it is marked AllowAnonymous or is a health probe.
/// </summary>
public static class SecuritySetup
{
    /// <summary>Probes and the sign-in page itself; everything else (a future one too) is closed by default.</summary>
    private static readonly string[] PublicPaths = ["/health", "/login"];

    public static WebApplicationBuilder AddSinGanSegSecurity(this WebApplicationBuilder builder, SinGanSegOptions options)
    {
        var auth = (builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions()).Validated(options.Storage);
        OpenHostGuard.Check(builder, options, auth);
        builder.Services.AddSingleton(auth);
        builder.Services.AddSingleton(sp => new ApiKeyValidator(auth, builder.Configuration, sp.GetRequiredService<ILogger<ApiKeyValidator>>()));
        builder.Services.AddSingleton((builder.Configuration.GetSection("Uploads").Get<UploadLimits>() ?? new UploadLimits()).Validated());
        var limits = (builder.Configuration.GetSection("Limits").Get<JobLimits>() ?? new JobLimits()).Validated();
        builder.Services.AddSingleton(limits);
        builder.Services.AddSingleton(new EventStreamLimiter(limits));
        builder.Services.AddSingleton(InputRoots.From(builder.Configuration, options, OpenHostGuard.IsLoopbackOnly(builder)));
        if (!auth.HasApiKeys && !auth.HasOidc) return builder;

        builder.Services.AddLoginRateLimit(auth);
        var authentication = builder.Services.AddAuthentication(AuthSchemes.Selector)
            .AddPolicyScheme(AuthSchemes.Selector, AuthSchemes.Selector, o => o.ForwardDefaultSelector = context => SchemeFor(context.Request, auth))
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AuthSchemes.ApiKey, null)
            .AddCookie(AuthSchemes.Cookie, o =>
            {
                o.Cookie.Name = AuthSchemes.CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = auth.CookieLifetime;
                o.SlidingExpiration = true;
                // The cookie alone would outlive a removed key and slide forever: the session's own limits are checked on every request.
                o.Events.OnValidatePrincipal = CookieSessions.Validate;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.ReturnUrlParameter = "returnUrl";
                // API callers get a 401 to act on, not a redirect to an HTML page.
                o.Events.OnRedirectToLogin = context => IsApi(context.Request)
                    ? ApiKeyAuthenticationHandler.Unauthorized(context.HttpContext, null)
                    : Redirect(context);
                o.Events.OnRedirectToAccessDenied = context => IsApi(context.Request)
                    ? Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden").ExecuteAsync(context.HttpContext)
                    : Redirect(context);
            });
        if (auth.HasOidc)
        {
            authentication.AddJwtBearer(AuthSchemes.Bearer, o =>
            {
                o.Authority = auth.Oidc.Authority;
                o.Audience = auth.Oidc.Audience;
                o.RequireHttpsMetadata = auth.Oidc.RequireHttpsMetadata;
                o.MapInboundClaims = false;
                o.Events = new JwtBearerEvents
                {
                    OnChallenge = context =>
                    {
                        context.HandleResponse();
                        return ApiKeyAuthenticationHandler.Unauthorized(context.HttpContext, context.AuthenticateFailure is null ? null : "the bearer token is not valid");
                    },
                    // A valid token without Auth:Oidc:RequiredClaim: say which claim is missing, not just 403.
                    OnForbidden = context => Results.Problem(
                        statusCode: StatusCodes.Status403Forbidden,
                        title: "Forbidden",
                        detail: $"the bearer token lacks the required claim {auth.Oidc.RequiredClaim}").ExecuteAsync(context.HttpContext),
                };
            });
        }

        builder.Services.AddAuthorization(o =>
        {
            if (!auth.IsRequired(options.Storage)) return;
            o.FallbackPolicy = new AuthorizationPolicyBuilder(AuthSchemes.Selector)
                .RequireAssertion(context => Admits(context.User, auth) || (context.Resource is HttpContext http && IsPublic(http.Request.Path)))
                .Build();
        });
        return builder;
    }

    public static WebApplication UseSinGanSegSecurity(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<AuthOptions>();
        // Without credentials a cross-site page could still post to this host: every write needs the header.
        if (!auth.HasApiKeys && !auth.HasOidc) return (WebApplication)app.UseCsrfGuard(everyWrite: true);
        // Before authentication, so a refused sign-in attempt costs no key check.
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseCsrfGuard(everyWrite: false);
        app.UseAuthorization();
        app.MapLoginEndpoints();
        return app;
    }

    private static string SchemeFor(HttpRequest request, AuthOptions auth)
    {
        if (ApiKeyAuthenticationHandler.PresentedKey(request) is not null) return AuthSchemes.ApiKey;
        if (auth.HasOidc && request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthSchemes.Bearer;
        // A non-browser client without credentials still lands on the cookie scheme, whose challenge answers /api with a 401.
        return AuthSchemes.Cookie;
    }

    /// <summary>Any authenticated caller, except that a bearer token must also carry the required claim when one is configured.</summary>
    private static bool Admits(System.Security.Claims.ClaimsPrincipal user, AuthOptions auth) =>
        user.Identity is { IsAuthenticated: true } identity
        && (auth.Oidc.RequiredClaim is not { } claim || identity.AuthenticationType is AuthSchemes.ApiKey or AuthSchemes.Cookie || claim.IsMetBy(user));

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    private static bool IsPublic(PathString path) => PublicPaths.Any(p => path.StartsWithSegments(p));

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
