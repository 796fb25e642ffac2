using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// A browser's sign-in session: which key it was opened with (by fingerprint, never the key) and
/// when it ends no matter how active it stays. Both are checked on every request, so removing a key
/// or reaching <see cref="AuthOptions.SessionLifetime"/> ends the session even though the cookie
/// itself (encrypted, sliding) would still be accepted.
/// </summary>
public static class CookieSessions
{
    public const string KeyFingerprintClaim = "singanseg:key";
    public const string EndsClaim = "singanseg:session-ends";

    public static ClaimsPrincipal Principal(string key, DateTimeOffset ends) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, "api-key"),
            new Claim(KeyFingerprintClaim, ApiKeyValidator.Fingerprint(key)),
            new Claim(EndsClaim, ends.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        ], AuthSchemes.Cookie));

    /// <summary>The cookie handler's OnValidatePrincipal: a cookie from before this check (no claims) fails too.</summary>
    public static async Task Validate(CookieValidatePrincipalContext context)
    {
        var validator = context.HttpContext.RequestServices.GetRequiredService<ApiKeyValidator>();
        var principal = context.Principal;
        var ends = long.TryParse(principal?.FindFirst(EndsClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;
        if (validator.IsCurrent(principal?.FindFirst(KeyFingerprintClaim)?.Value) && DateTimeOffset.UtcNow < ends) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(AuthSchemes.Cookie);
    }
}
