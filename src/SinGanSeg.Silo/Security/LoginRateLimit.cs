using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// Limits sign-in attempts per client address (Auth:LoginAttemptsPerMinute), so a browser form
/// cannot be used to guess API keys; past the limit POST /login answers 429 until the minute is over.
/// </summary>
public static class LoginRateLimit
{
    public const string Policy = "login";

    public static IServiceCollection AddLoginRateLimit(this IServiceCollection services, AuthOptions auth) => services.AddRateLimiter(o =>
    {
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.AddPolicy(Policy, context => RateLimitPartition.GetFixedWindowLimiter(
            // Behind an ingress this is the client's address only with Silo:TrustForwardedHeaders; otherwise every client shares the ingress's.
            context.Connection.RemoteIpAddress?.ToString() ?? "",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = auth.LoginAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        o.OnRejected = async (context, cancellation) =>
        {
            var http = context.HttpContext;
            var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var message = $"Too many sign-in attempts from this address; try again in {seconds} seconds.";
            // A person at the form sees the form again with the reason; anything else gets problem details.
            if (http.Request.HasFormContentType)
            {
                var form = await http.Request.ReadFormAsync(cancellation);
                await LoginEndpoints.Page(LoginEndpoints.LocalOrRoot(form["returnUrl"].ToString()), message, StatusCodes.Status429TooManyRequests).ExecuteAsync(http);
            }
            else
            {
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts", detail: message).ExecuteAsync(http);
            }
        };
    });
}
