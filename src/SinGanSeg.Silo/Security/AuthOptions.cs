using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// The "Auth" configuration section. Cluster mode (Azure storage) always requires authentication;
/// the embedded default is open on localhost unless keys are configured or <see cref="Required"/> is set.
/// </summary>
public sealed record AuthOptions
{
    /// <summary>Comma-separated API keys (env Auth__ApiKeys, from a Kubernetes Secret); any one of them is accepted.</summary>
    public string? ApiKeys { get; init; }

    public OidcSettings Oidc { get; init; } = new();

    /// <summary>Unset: required in cluster mode, and in embedded mode once any key or OIDC authority is configured.</summary>
    public bool? Required { get; init; }

    /// <summary>A signed-in browser's idle timeout: the cookie slides with activity up to <see cref="SessionLifetime"/>.</summary>
    public TimeSpan CookieLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>How long a sign-in lasts however active it stays (absolute, checked on every request); then /login again.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Sign-in attempts (POST /login) one client address may make per minute; enough for a person mistyping, too few to guess a key.</summary>
    public int LoginAttemptsPerMinute { get; init; } = 10;

    /// <summary>Short keys can be guessed; a generated 32-character key is the expected kind.</summary>
    public const int MinimumKeyLength = 16;

    public IReadOnlyList<string> Keys => (ApiKeys ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool HasApiKeys => Keys.Count > 0;

    public bool HasOidc => !string.IsNullOrWhiteSpace(Oidc.Authority);

    public bool IsRequired(StorageMode storage) => Required ?? (storage != StorageMode.Embedded || HasApiKeys || HasOidc);

    /// <summary>Refuses configurations that would leave the cluster open or half-configured, naming the keys to set.</summary>
    public AuthOptions Validated(StorageMode storage)
    {
        if (storage != StorageMode.Embedded && Required == false)
            throw new ArgumentException($"cluster mode (SinGanSeg:Storage={storage}) always requires authentication; remove Auth:Required=false and set Auth__ApiKeys or Auth__Oidc__Authority");
        if (IsRequired(storage) && !HasApiKeys && !HasOidc)
            throw new ArgumentException(storage != StorageMode.Embedded
                ? $"cluster mode (SinGanSeg:Storage={storage}) requires authentication, and none is configured: set Auth__ApiKeys (comma-separated API keys) or Auth__Oidc__Authority and Auth__Oidc__Audience (OIDC bearer tokens)"
                : "Auth:Required is set but no credentials are configured: set Auth__ApiKeys (comma-separated API keys) or Auth__Oidc__Authority and Auth__Oidc__Audience");
        var shortKey = Keys.FirstOrDefault(k => k.Length < MinimumKeyLength);
        if (shortKey is not null)
            throw new ArgumentException($"every key in Auth__ApiKeys must be at least {MinimumKeyLength} characters (one has {shortKey.Length}); generate one with 'openssl rand -hex 24'");
        if (LoginAttemptsPerMinute < 1)
            throw new ArgumentException("Auth:LoginAttemptsPerMinute must be at least 1");
        if (HasOidc && string.IsNullOrWhiteSpace(Oidc.Audience))
            throw new ArgumentException("Auth__Oidc__Authority is set without Auth__Oidc__Audience: set the audience the tokens are issued for");
        if (CookieLifetime <= TimeSpan.Zero || SessionLifetime <= TimeSpan.Zero)
            throw new ArgumentException("Auth:CookieLifetime and Auth:SessionLifetime must be positive");
        if (Oidc.RequiredClaim is { } claim && (string.IsNullOrWhiteSpace(claim.Type) || claim.Values.Count == 0 || claim.Values.Any(string.IsNullOrWhiteSpace)))
            throw new ArgumentException("Auth:Oidc:RequiredClaim needs a Type (e.g. scope or roles) and at least one non-empty value in Values");
        return this;
    }
}

/// <summary>OIDC bearer tokens (JWT) from an identity provider.</summary>
public sealed record OidcSettings
{
    public string? Authority { get; init; }
    public string? Audience { get; init; }

    /// <summary>Only for a development identity provider on plain http.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    /// <summary>
    /// A claim every bearer token must carry (null: any valid token for the audience will do). Set it
    /// when the identity provider issues tokens for this audience to more people than may use the API.
    /// </summary>
    public RequiredClaim? RequiredClaim { get; init; }
}

/// <summary>
/// Auth:Oidc:RequiredClaim: Type (e.g. "roles", "scope", "scp") and Values, any one of which must
/// be present. A space-separated claim (OAuth scopes) counts word by word.
/// </summary>
public sealed record RequiredClaim
{
    public string Type { get; init; } = "";
    public IReadOnlyList<string> Values { get; init; } = [];

    public bool IsMetBy(System.Security.Claims.ClaimsPrincipal user) =>
        user.FindAll(Type).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Any(v => Values.Contains(v, StringComparer.Ordinal));

    public override string ToString() => $"{Type} with {string.Join(" or ", Values)}";
}
