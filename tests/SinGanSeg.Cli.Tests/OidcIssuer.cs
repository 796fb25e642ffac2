using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A minimal OpenID Connect issuer on loopback: discovery document and JWKS over plain http, and
/// RS256 tokens signed here, so the silo host validates bearer tokens exactly as it would from a real provider.
/// </summary>
public sealed class OidcIssuer : IDisposable
{
    public const string KeyId = "test-signing-key";

    private readonly HttpListener _listener = new();
    private readonly RSA _key = RSA.Create(2048);
    private readonly Task _serving;

    public OidcIssuer()
    {
        // HttpListener cannot bind port 0, so take a free port and retry on the rare race.
        for (var attempt = 0; ; attempt++)
        {
            var port = SiloProcess.FreePort();
            Issuer = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(Issuer + "/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _serving = Task.Run(Serve);
    }

    public string Issuer { get; private set; } = "";

    /// <summary>A token with this issuer's key; every claim can be overridden to make it wrong in one way, and more added (<paramref name="claims"/>: e.g. scope, roles).</summary>
    public string Token(string audience, string? issuer = null, DateTimeOffset? expires = null, RSA? signWith = null, IReadOnlyDictionary<string, object>? claims = null)
    {
        var now = DateTimeOffset.UtcNow;
        var exp = expires ?? now.AddMinutes(10);
        var header = new { alg = "RS256", kid = KeyId, typ = "JWT" };
        var payload = new Dictionary<string, object>
        {
            ["iss"] = issuer ?? Issuer,
            ["aud"] = audience,
            ["sub"] = "test-user",
            ["iat"] = Math.Min(now.ToUnixTimeSeconds(), exp.AddMinutes(-10).ToUnixTimeSeconds()),
            ["nbf"] = Math.Min(now.ToUnixTimeSeconds(), exp.AddMinutes(-10).ToUnixTimeSeconds()),
            ["exp"] = exp.ToUnixTimeSeconds(),
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object>()) payload[name] = value;
        var signed = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload))}";
        var signature = (signWith ?? _key).SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signed}.{Base64Url(signature)}";
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            object? body = context.Request.Url?.AbsolutePath switch
            {
                "/.well-known/openid-configuration" => new { issuer = Issuer, jwks_uri = Issuer + "/jwks", id_token_signing_alg_values_supported = new[] { "RS256" } },
                "/jwks" => Jwks(),
                _ => null,
            };
            context.Response.StatusCode = body is null ? 404 : 200;
            context.Response.ContentType = "application/json";
            if (body is not null) await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body));
            context.Response.Close();
        }
    }

    private object Jwks()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        return new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url(parameters.Modulus!), e = Base64Url(parameters.Exponent!) } } };
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener is gone; how its last wait ended does not matter.
        }
        _key.Dispose();
    }
}
