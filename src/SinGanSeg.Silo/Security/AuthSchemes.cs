namespace SinGanSeg.Silo.Security;

/// <summary>Scheme names, the header and the CSRF marker the API and the dashboards agree on.</summary>
public static class AuthSchemes
{
    /// <summary>The default: picks one of the others from what the request carries.</summary>
    public const string Selector = "SinGanSeg";
    public const string ApiKey = "ApiKey";
    public const string Bearer = "Bearer";
    public const string Cookie = "Cookie";

    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Cookie-authenticated state-changing requests must carry this header with <see cref="CsrfHeaderValue"/>; a cross-site form cannot set it.</summary>
    public const string CsrfHeader = "X-Requested-With";
    public const string CsrfHeaderValue = "singanseg";

    public const string CookieName = "singanseg.auth";
}
