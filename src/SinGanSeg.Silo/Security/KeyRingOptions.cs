using System.Security.Cryptography.X509Certificates;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// The "DataProtection" section: where the ASP.NET Data Protection key ring (it encrypts the
/// sign-in cookies) is kept and the certificate that encrypts it there. The keys live apart from
/// the datasets (their own blob container or folder), so access to one does not grant the other.
/// </summary>
public sealed record KeyRingOptions
{
    /// <summary>PEM certificate (with <see cref="KeyPath"/>, or with its key in the same file) or a PKCS#12 file (.pfx/.p12), as a Kubernetes secret mounts it. Unset: keys are stored unencrypted.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The certificate's private key (PEM, e.g. tls.key of a kubernetes.io/tls secret).</summary>
    public string? KeyPath { get; init; }

    /// <summary>A PKCS#12 file's password, if it has one.</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>Azure: the key ring's own blob container (default "&lt;SinGanSeg:BlobContainer&gt;-keys").</summary>
    public string? BlobContainer { get; init; }

    /// <summary>Embedded and Postgres: the key ring's folder (default: "data-protection" beside the artifacts folder, or ".data-protection" in the shared folder, which no artifact key reaches).</summary>
    public string? KeyDirectory { get; init; }

    public bool Encrypted => !string.IsNullOrWhiteSpace(CertificatePath);

    public string ContainerFor(SinGanSegOptions options) => string.IsNullOrWhiteSpace(BlobContainer) ? $"{options.BlobContainer}-keys" : BlobContainer;

    public string DirectoryFor(SinGanSegOptions options) => !string.IsNullOrWhiteSpace(KeyDirectory)
        ? Path.GetFullPath(KeyDirectory)
        : options.Storage == StorageMode.Postgres
            ? Path.Combine(Path.GetFullPath(options.ArtifactDirectory!), ".data-protection")
            : Path.Combine(Path.GetFullPath(options.StateDirectory), "data-protection");

    /// <summary>The certificate with its private key (decrypting needs it), or null when none is configured.</summary>
    public X509Certificate2? LoadCertificate()
    {
        if (!Encrypted) return null;
        if (!File.Exists(CertificatePath)) throw new ArgumentException($"DataProtection:CertificatePath '{CertificatePath}' does not exist; mount the certificate secret there");
        if (KeyPath is { Length: > 0 } && !File.Exists(KeyPath)) throw new ArgumentException($"DataProtection:KeyPath '{KeyPath}' does not exist; mount the certificate secret there");
        var certificate = Path.GetExtension(CertificatePath).ToLowerInvariant() is ".pfx" or ".p12"
            ? X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, CertificatePassword)
            : X509Certificate2.CreateFromPemFile(CertificatePath, string.IsNullOrWhiteSpace(KeyPath) ? null : KeyPath);
        if (!certificate.HasPrivateKey || certificate.GetRSAPrivateKey() is null)
            throw new ArgumentException($"DataProtection:CertificatePath '{CertificatePath}' needs an RSA certificate with its private key (set DataProtection:KeyPath to the key's PEM file)");
        return certificate;
    }
}
