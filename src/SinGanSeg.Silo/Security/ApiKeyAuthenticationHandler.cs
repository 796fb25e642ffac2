using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace SinGanSeg.Silo.Security;

/// <summary>"X-Api-Key: key" or "Authorization: ApiKey key".</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyValidator validator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(AuthSchemes.ApiKeyHeader, out var header)) return header.ToString();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) ? authorization["ApiKey ".Length..].Trim() : null;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = PresentedKey(Request);
        if (key is null) return Task.FromResult(AuthenticateResult.NoResult());
        if (!validator.IsValid(key)) return Task.FromResult(AuthenticateResult.Fail("the API key is not valid"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key")], AuthSchemes.ApiKey);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AuthSchemes.ApiKey)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Unauthorized(Context, PresentedKey(Request) is null ? null : "the API key is not valid");

    /// <summary>401 as problem details, telling a client how to authenticate.</summary>
    public static Task Unauthorized(HttpContext context, string? reason)
    {
        context.Response.Headers.WWWAuthenticate = $"{AuthSchemes.ApiKey}, {AuthSchemes.Bearer}";
        return Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Authentication required",
            detail: reason ?? $"send an API key in the {AuthSchemes.ApiKeyHeader} header (or 'Authorization: ApiKey <key>'), or an OIDC bearer token").ExecuteAsync(context);
    }
}
