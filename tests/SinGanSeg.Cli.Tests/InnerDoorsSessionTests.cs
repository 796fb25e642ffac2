using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A silo host whose API keys come from a reloadable appsettings.json (its own content root), that
/// also takes OIDC tokens with a required scope, and encrypts its Data Protection keys with a
/// certificate mounted as a Kubernetes TLS secret would be (tls.crt, tls.key).
/// </summary>
public sealed class SessionSilo : IAsyncLifetime
{
    public const string KeptKey = "kept-key-0123456789abcdef";
    public const string RemovedKey = "removed-key-0123456789abcdef";
    public const string Audience = "singanseg";
    public const string Scope = "singanseg.api";

    public string ContentRoot { get; } = TestData.NewTempDir("session-config");
    public OidcIssuer Issuer { get; } = new();
    public TelemetrySiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        WriteKeys(RemovedKey, KeptKey);
        var certificate = Path.Combine(ContentRoot, "keyring-cert");
        SelfSignedCertificate.WritePem(certificate);
        Silo = await TelemetrySiloProcess.StartAsync(
            $"--contentRoot={ContentRoot}",
            $"--DataProtection:CertificatePath={Path.Combine(certificate, "tls.crt")}", $"--DataProtection:KeyPath={Path.Combine(certificate, "tls.key")}",
            $"--Auth:Oidc:Authority={Issuer.Issuer}", $"--Auth:Oidc:Audience={Audience}", "--Auth:Oidc:RequireHttpsMetadata=false",
            "--Auth:Oidc:RequiredClaim:Type=scope", $"--Auth:Oidc:RequiredClaim:Values:0={Scope}");
    }

    /// <summary>The keys as an operator edits them: only in the file, which the host watches.</summary>
    public void WriteKeys(params string[] keys) =>
        File.WriteAllText(Path.Combine(ContentRoot, "appsettings.json"), JsonSerializer.Serialize(new { Auth = new { ApiKeys = string.Join(",", keys) } }));

    public async Task DisposeAsync()
    {
        if (Silo is not null) await Silo.DisposeAsync();
        Issuer.Dispose();
    }
}

/// <summary>Issue 12, finding 7: sessions end with their key or their lifetime, OIDC tokens need the configured claim, the key ring is encrypted apart from the data.</summary>
public class InnerDoorsSessionTests(SessionSilo session) : IClassFixture<SessionSilo>
{
    /// <summary>A browser: cookies kept, redirects not followed.</summary>
    private static HttpClient Browser(Uri api) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = api };

    private static async Task<HttpClient> SignedIn(Uri api, string key)
    {
        var browser = Browser(api);
        var login = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = key }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/jobs")).StatusCode);
        return browser;
    }

    [Fact]
    public async Task Finding7_RemovingAKeyEndsItsSessions()
    {
        var api = session.Silo.Api;
        using var removed = await SignedIn(api, SessionSilo.RemovedKey);
        using var kept = await SignedIn(api, SessionSilo.KeptKey);

        session.WriteKeys(SessionSilo.KeptKey);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        while ((status = (await removed.GetAsync("/api/jobs")).StatusCode) == HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the session of a removed key still works 30 s after the key was removed:\n" + session.Silo.Log);
            await Task.Delay(500);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        // Signed out for good: the dashboard sends it to /login, not back in.
        var page = await removed.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", page.Headers.Location!.AbsolutePath);

        using var header = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { { "X-Api-Key", SessionSilo.RemovedKey } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await removed.SendAsync(header)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kept.GetAsync("/api/jobs")).StatusCode);
    }

    [Fact]
    public async Task Finding7_SessionsExpireAbsolutely()
    {
        var lifetime = TimeSpan.FromSeconds(6);
        await using var silo = await TelemetrySiloProcess.StartAsync($"--Auth:ApiKeys={SessionSilo.KeptKey}", $"--Auth:SessionLifetime={lifetime}");
        var started = DateTime.UtcNow;
        using var browser = await SignedIn(silo.Api, SessionSilo.KeptKey);

        // Active all along, so a sliding cookie would never lapse; the session still ends at its lifetime.
        HttpStatusCode status;
        while ((status = (await browser.GetAsync("/api/jobs")).StatusCode) == HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < started + lifetime + TimeSpan.FromSeconds(20), "the session outlived its absolute lifetime:\n" + silo.Log);
            await Task.Delay(500);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(DateTime.UtcNow >= started + lifetime - TimeSpan.FromSeconds(1), "the session ended before its lifetime");
    }

    [Fact]
    public async Task Finding7_OidcRequiredClaimIsEnforced()
    {
        using var http = new HttpClient { BaseAddress = session.Silo.Api };
        async Task<HttpResponseMessage> Get(Dictionary<string, object>? claims)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs")
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", session.Issuer.Token(SessionSilo.Audience, claims: claims)) },
            };
            return await http.SendAsync(request);
        }

        foreach (var claims in new Dictionary<string, object>?[] { null, new() { ["scope"] = "openid profile" }, new() { ["roles"] = new[] { SessionSilo.Scope } } })
        {
            var refused = await Get(claims);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains($"required claim scope with {SessionSilo.Scope}", detail);
        }
        Assert.Equal(HttpStatusCode.OK, (await Get(new() { ["scope"] = $"openid {SessionSilo.Scope} profile" })).StatusCode);
        // API keys are not OIDC tokens: the claim does not apply to them.
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { { "X-Api-Key", SessionSilo.KeptKey } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(keyed)).StatusCode);
    }

    [Fact]
    public async Task Finding7_DataProtectionKeysAreEncryptedInTheirOwnContainer()
    {
        // Signing in makes the key ring (created on first use) and proves the host reads its encrypted keys back.
        using var browser = await SignedIn(session.Silo.Api, SessionSilo.KeptKey);

        var state = session.Silo.StateDirectory;
        var ring = Directory.GetFiles(Path.Combine(state, "data-protection"), "*.xml");
        Assert.NotEmpty(ring);
        foreach (var file in ring)
        {
            var key = XElement.Load(file);
            Assert.Equal("key", key.Name.LocalName);
            // The secret is XML-encrypted to the certificate (in the Data Protection namespace); the plaintext form is a masterKey with a value.
            Assert.Contains(key.Descendants(), e => e.Name.LocalName == "encryptedSecret");
            Assert.DoesNotContain(key.Descendants(), e => e.Name.LocalName == "masterKey");
            Assert.DoesNotContain("<value>", File.ReadAllText(file), StringComparison.Ordinal);
        }
        // Nothing of the key ring among the datasets.
        var artifacts = Path.Combine(state, "artifacts");
        var stored = Directory.Exists(artifacts) ? Directory.GetFiles(artifacts, "*", SearchOption.AllDirectories) : [];
        Assert.DoesNotContain(stored, f => f.EndsWith(".xml", StringComparison.Ordinal) && File.ReadAllText(f).Contains("<key ", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(artifacts, "system", "data-protection")));
    }
}
