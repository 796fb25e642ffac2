namespace SinGanSeg.Core.Tests;

/// <summary>
/// A silo host set up as it runs behind a TLS ingress: OIDC bearer tokens from a loopback issuer and
/// an API key, trusted forwarded headers, and tight sign-in and upload limits to run into.
/// </summary>
public sealed class IngressSiloProcess : SiloProcess
{
    public const string Key = "ingress-key-0123456789abcdef";
    public const string Audience = "singanseg";
    public const int LoginAttemptsPerMinute = 3;
    public const int MaxFiles = 2;
    public const long MaxRequestBytes = 300000;

    /// <summary>Started with the fixture, before the host reads its address.</summary>
    public OidcIssuer Issuer { get; } = new();

    protected override IEnumerable<string> ExtraArgs =>
    [
        $"--Auth:ApiKeys={Key}",
        $"--Auth:Oidc:Authority={Issuer.Issuer}", $"--Auth:Oidc:Audience={Audience}", "--Auth:Oidc:RequireHttpsMetadata=false",
        $"--Auth:LoginAttemptsPerMinute={LoginAttemptsPerMinute}",
        "--Silo:TrustForwardedHeaders=true",
        $"--Uploads:MaxFiles={MaxFiles}", $"--Uploads:MaxRequestBytes={MaxRequestBytes}", "--Uploads:MaxFileBytes=1000000",
    ];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Issuer.Dispose();
    }
}
