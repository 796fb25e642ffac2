using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// Checks a presented API key against the configured ones in constant time, and tells whether a
/// signed-in session's key is still one of them. The keys follow the configuration: when its
/// source reloads (appsettings.json, a mounted file) a removed key stops working at once and its
/// sessions end with it; from environment variables (the chart) that takes a restart.
/// </summary>
public sealed class ApiKeyValidator
{
    private volatile KeySet _keys;

    public ApiKeyValidator(AuthOptions options, IConfiguration? configuration = null, ILogger<ApiKeyValidator>? logger = null)
    {
        _keys = KeySet.Of(options.Keys);
        if (configuration is null) return;
        ChangeToken.OnChange(configuration.GetReloadToken, () =>
        {
            var keys = (configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions()).Keys;
            // Startup refuses short keys; a reload cannot refuse anything, so it drops them (failing closed).
            var usable = keys.Where(k => k.Length >= AuthOptions.MinimumKeyLength).ToList();
            if (usable.Count < keys.Count)
                logger?.LogError("Auth:ApiKeys reloaded with {Count} key(s) shorter than {Minimum} characters; they are not accepted", keys.Count - usable.Count, AuthOptions.MinimumKeyLength);
            var next = KeySet.Of(usable);
            if (!next.Fingerprints.SetEquals(_keys.Fingerprints))
                logger?.LogInformation("Auth:ApiKeys reloaded: {Count} key(s); sessions of removed keys end", next.Fingerprints.Count);
            _keys = next;
        });
    }

    public bool HasKeys => _keys.Hashes.Length > 0;

    public bool IsValid(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        var hash = Hash(presented);
        var match = false;
        foreach (var known in _keys.Hashes) match |= CryptographicOperations.FixedTimeEquals(hash, known);
        return match;
    }

    /// <summary>Whether a key with this fingerprint is still configured (a signed-in session checks this on every request).</summary>
    public bool IsCurrent(string? fingerprint) => fingerprint is not null && _keys.Fingerprints.Contains(fingerprint);

    /// <summary>
    /// What a session cookie carries to name its key: the first 16 hex digits of the key's SHA-256,
    /// enough to tell configured keys apart, useless for finding the key itself.
    /// </summary>
    public static string Fingerprint(string key) => Convert.ToHexStringLower(Hash(key))[..16];

    // Hashing first makes every comparison the same length, so neither the key's length nor its prefix leaks through timing.
    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>One generation of configured keys, swapped whole so a request never sees half a reload.</summary>
    private sealed record KeySet(byte[][] Hashes, IReadOnlySet<string> Fingerprints)
    {
        public static KeySet Of(IEnumerable<string> keys)
        {
            var list = keys.ToList();
            return new KeySet([.. list.Select(Hash)], list.Select(Fingerprint).ToHashSet(StringComparer.Ordinal));
        }
    }
}
