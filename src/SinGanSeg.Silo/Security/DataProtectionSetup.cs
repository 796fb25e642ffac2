using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// The Data Protection key ring: in its own store (<see cref="KeyRingOptions"/>) and, with a
/// certificate configured, encrypted there. Without one the keys are stored in plaintext and the
/// host says so at start: a warning on a loopback-only host, where the key ring sits in the local
/// user's own state folder, and a louder one on an open host. It does not refuse to start, unlike
/// an open host without API keys (finding 4): the key ring only signs cookies, and the storage's
/// own access control still guards it.
/// </summary>
public static class DataProtectionSetup
{
    public static WebApplicationBuilder AddSinGanSegDataProtection(this WebApplicationBuilder builder, SinGanSegOptions options)
    {
        var ring = builder.Configuration.GetSection("DataProtection").Get<KeyRingOptions>() ?? new KeyRingOptions();
        var certificate = ring.LoadCertificate();
        var protection = builder.Services.AddDataProtection().SetApplicationName("singanseg");
        if (certificate is not null) protection.ProtectKeysWithCertificate(certificate);
        else builder.Services.AddHostedService(sp => new UnencryptedKeyRingWarning(
            sp.GetRequiredService<ILogger<UnencryptedKeyRingWarning>>(), OpenHostGuard.IsLoopbackOnly(builder)));

        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new ArtifactKeyRepository(KeyStore(options, ring, sp))));
        return builder;
    }

    private static IArtifactStore KeyStore(SinGanSegOptions options, KeyRingOptions ring, IServiceProvider services) => options.Storage == StorageMode.Azure
        ? new BlobArtifactStore(options.AzureConnectionString!, ring.ContainerFor(options), services.GetServices<AzureClientPolicy>())
        : options.Storage == StorageMode.Postgres
            ? new SharedFolderArtifactStore(ring.DirectoryFor(options))
            : new LocalArtifactStore(ring.DirectoryFor(options));

    private sealed class UnencryptedKeyRingWarning(ILogger<UnencryptedKeyRingWarning> logger, bool loopbackOnly) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (loopbackOnly)
                logger.LogWarning("Data Protection keys (they encrypt sign-in cookies) are stored unencrypted; set DataProtection:CertificatePath to encrypt them");
            else
                logger.LogWarning("Data Protection keys are stored UNENCRYPTED on a host open to the network: anyone who can read their store can forge sign-in cookies; set DataProtection:CertificatePath (and KeyPath) from a certificate secret");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
