using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SinGanSeg.Core.Tests;

/// <summary>A self-signed RSA certificate and its key as PEM files, the way a kubernetes.io/tls secret mounts them.</summary>
public static class SelfSignedCertificate
{
    public static void WritePem(string directory)
    {
        Directory.CreateDirectory(directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=singanseg-data-protection", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(directory, "tls.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "tls.key"), key.ExportPkcs8PrivateKeyPem());
    }
}
