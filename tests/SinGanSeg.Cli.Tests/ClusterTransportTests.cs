using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace SinGanSeg.Core.Tests;

/// <summary>The silo host in cluster mode (Azure storage on Azurite) with mutual TLS and the key ring's certificate from PEM files, as the chart runs it.</summary>
public sealed class TlsClusterSilo : SiloProcess, IAsyncLifetime
{
    public const string Key = "cluster-key-0123456789abcdef";

    public Azurite Storage { get; } = new();
    public string Certificates { get; } = TestData.NewTempDir("silo-tls");
    public string KeyRingCertificate { get; } = TestData.NewTempDir("keyring-tls");
    public int SiloPort { get; } = FreePort();
    public int GatewayPort { get; } = FreePort();

    protected override IEnumerable<string> ExtraArgs =>
    [
        "--SinGanSeg:Storage=Azure", $"--SinGanSeg:AzureConnectionString={Storage.ConnectionString}",
        $"--SinGanSeg:TablePrefix=tls{Guid.NewGuid():N}"[..40], $"--Auth:ApiKeys={Key}",
        "--Silo:AdvertisedAddress=127.0.0.1", $"--Silo:SiloPort={SiloPort}", $"--Silo:GatewayPort={GatewayPort}",
        $"--Silo:Tls:CertificatePath={Path.Combine(Certificates, "tls.crt")}",
        $"--Silo:Tls:KeyPath={Path.Combine(Certificates, "tls.key")}",
        $"--Silo:Tls:CaPath={Path.Combine(Certificates, "ca.crt")}",
        $"--DataProtection:CertificatePath={Path.Combine(KeyRingCertificate, "tls.crt")}",
        $"--DataProtection:KeyPath={Path.Combine(KeyRingCertificate, "tls.key")}",
    ];

    async Task IAsyncLifetime.InitializeAsync()
    {
        await Storage.InitializeAsync();
        ClusterCertificates.Write(Certificates, "cluster");
        SelfSignedCertificate.WritePem(KeyRingCertificate);
        await InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Storage.DisposeAsync();
    }
}

public class ClusterTransportTests(TlsClusterSilo silo) : IClassFixture<TlsClusterSilo>
{
    [Fact]
    public async Task Finding1_GatewayOffInClusterModeAndSiloPortNeedsTheClusterCertificate()
    {
        // The API still works: it calls grains through the silo's own co-hosted client, not a gateway.
        using var http = new HttpClient { BaseAddress = silo.Api, DefaultRequestHeaders = { { "X-Api-Key", TlsClusterSilo.Key } } };
        Assert.True((await http.GetAsync("/api/jobs")).StatusCode == HttpStatusCode.OK, silo.Log);

        // No gateway listens: an Orleans client in another pod has nothing to connect to.
        using (var gateway = new TcpClient())
            await Assert.ThrowsAsync<SocketException>(() => gateway.ConnectAsync(IPAddress.Loopback, silo.GatewayPort));

        // The silo port: plaintext, TLS without a client certificate and TLS with another CA's certificate are all cut off.
        Assert.False(await StaysOpen(tls: false, certificate: null), "plaintext connection accepted");
        Assert.False(await StaysOpen(tls: true, certificate: null), "TLS without a client certificate accepted");
        var stranger = ClusterCertificates.Write(TestData.NewTempDir("stranger-tls"), "stranger");
        using (var wrong = ClusterCertificates.Load(stranger))
            Assert.False(await StaysOpen(tls: true, wrong), "a certificate from another CA accepted");
        // The control: the cluster's own certificate gets through the handshake and the connection stays up.
        using var right = ClusterCertificates.Load((Path.Combine(silo.Certificates, "tls.crt"), Path.Combine(silo.Certificates, "tls.key"), ""));
        Assert.True(await StaysOpen(tls: true, right), "the cluster's own certificate refused:\n" + silo.Log);
    }

    [Fact]
    public async Task Finding7_DataProtectionKeysSitEncryptedInTheirOwnBlobContainer()
    {
        // Signing in makes the key ring (created on first use).
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = silo.Api };
        var login = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = TlsClusterSilo.Key }));
        Assert.True(login.StatusCode == HttpStatusCode.Redirect, silo.Log);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/jobs")).StatusCode);

        var keys = new Azure.Storage.Blobs.BlobContainerClient(silo.Storage.ConnectionString, "singanseg-keys");
        var ring = new List<string>();
        await foreach (var blob in keys.GetBlobsAsync()) ring.Add(blob.Name);
        Assert.NotEmpty(ring);
        foreach (var name in ring)
        {
            var xml = (await keys.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal);
        }
        // The datasets' container holds none of it.
        var data = new Azure.Storage.Blobs.BlobContainerClient(silo.Storage.ConnectionString, "singanseg");
        if (await data.ExistsAsync())
            await foreach (var blob in data.GetBlobsAsync()) Assert.DoesNotContain("data-protection", blob.Name, StringComparison.Ordinal);
    }

    /// <summary>Connects to the silo port and waits: a refused peer is disconnected within seconds, an accepted one is kept.</summary>
    private async Task<bool> StaysOpen(bool tls, X509Certificate2? certificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, silo.SiloPort);
        Stream stream = tcp.GetStream();
        try
        {
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "127.0.0.1",
                    ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                    LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate,
                });
                stream = ssl;
            }
            else
            {
                // What an Orleans connection sends first, unencrypted.
                await stream.WriteAsync(new byte[] { 0, 0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 });
            }
            // Refused: the silo ends the connection (end of stream or a reset). Accepted: it stays up
            // (Orleans may send its own preamble first, then waits for ours).
            var buffer = new byte[256];
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                while (await stream.ReadAsync(buffer, wait.Token) > 0)
                {
                }
                return false;
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            return false;
        }
    }
}
