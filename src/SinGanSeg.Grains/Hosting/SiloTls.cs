using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace SinGanSeg.Grains.Hosting;

/// <summary>
/// Mutual TLS on the silo-to-silo (and gateway) ports, from PEM files as a Kubernetes TLS secret
/// mounts them (tls.crt, tls.key, ca.crt): every silo presents a certificate issued by the
/// cluster's CA and accepts only peers that do. A pod without one cannot join or call grains.
/// </summary>
public sealed record SiloTlsOptions
{
    /// <summary>This silo's certificate (PEM); setting it turns TLS on.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>Its private key (PEM).</summary>
    public string? KeyPath { get; init; }

    /// <summary>The CA (PEM, one or more certificates) peers' certificates must chain to.</summary>
    public string? CaPath { get; init; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    public SiloTlsOptions Validated()
    {
        if (!Enabled) return this;
        foreach (var (path, key) in new[] { (CertificatePath, "CertificatePath"), (KeyPath, "KeyPath"), (CaPath, "CaPath") })
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new ArgumentException($"Silo:Tls:{key} is required with Silo:Tls:CertificatePath (mutual TLS needs the certificate, its key and the cluster CA)");
            if (!File.Exists(path))
                throw new ArgumentException($"Silo:Tls:{key} '{path}' does not exist; mount the TLS secret there");
        }
        return this;
    }
}

public static class SiloTls
{
    public static ISiloBuilder UseSinGanSegTls(this ISiloBuilder silo, SiloTlsOptions tls)
    {
        tls = tls.Validated();
        if (!tls.Enabled) return silo;
        var certificate = X509Certificate2.CreateFromPemFile(tls.CertificatePath!, tls.KeyPath!);
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(tls.CaPath!);
        return silo.UseTls(certificate, o =>
        {
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            // Peers are dialled by pod IP, which no certificate names: identity is "issued by the cluster CA".
            o.RemoteCertificateValidation = (remote, _, _) => IssuedBy(remote, authorities);
        });
    }

    /// <summary>Whether the certificate chains to one of the given CAs (and only those: the system store does not count).</summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
