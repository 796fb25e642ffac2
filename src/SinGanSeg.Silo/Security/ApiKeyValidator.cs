using System.Security.Cryptography;
using System.Text;

namespace SinGanSeg.Silo.Security;

/// <summary>Checks a presented API key against the configured ones in constant time.</summary>
public sealed class ApiKeyValidator(AuthOptions options)
{
    // Hashing first makes every comparison the same length, so neither the key's length nor its prefix leaks through timing.
    private readonly byte[][] _hashes = [.. options.Keys.Select(Hash)];

    public bool HasKeys => _hashes.Length > 0;

    public bool IsValid(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        var hash = Hash(presented);
        var match = false;
        foreach (var known in _hashes) match |= CryptographicOperations.FixedTimeEquals(hash, known);
        return match;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
