using System.Security.Claims;

namespace SinGanSeg.Silo.Api;

/// <summary>Who made a request, as the audit of a deletion records it: the signed-in identity and where the request came from.</summary>
public static class Requester
{
    public static string Describe(HttpContext http)
    {
        var user = http.User;
        // OIDC tokens name a person (name, preferred_username or subject); API keys and sign-in cookies say "api-key".
        var who = user.Identity?.IsAuthenticated == true
            ? user.FindFirst("preferred_username")?.Value ?? user.Identity.Name ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.FindFirst("sub")?.Value ?? "authenticated"
            : "anonymous (open loopback host)";
        var scheme = user.Identity?.AuthenticationType;
        var from = http.Connection.RemoteIpAddress?.ToString() ?? "unknown address";
        return scheme is null ? $"{who} from {from}" : $"{who} ({scheme}) from {from}";
    }
}
