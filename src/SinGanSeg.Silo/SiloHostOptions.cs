using System.Net;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo;

/// <summary>How this process joins a cluster (the "Silo" configuration section); the system's own settings are SinGanSegOptions.</summary>
public sealed record SiloHostOptions
{
    public string ClusterId { get; init; } = "singanseg";
    public string ServiceId { get; init; } = "singanseg";
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The address other silos reach this one on; in Kubernetes, the pod IP (POD_IP).</summary>
    public string? AdvertisedAddress { get; init; }

    /// <summary>This silo's name in membership and dashboards; in Kubernetes, the pod name (POD_NAME).</summary>
    public string? SiloName { get; init; }

    /// <summary>
    /// Take the scheme and client address from X-Forwarded-Proto and X-Forwarded-For. Only behind an
    /// ingress that sets them (and pods nothing else can reach): any caller could otherwise claim https
    /// or another address, and with it a fresh share of the sign-in attempts.
    /// </summary>
    public bool TrustForwardedHeaders { get; init; }

    /// <summary>
    /// Cluster mode opens no Orleans gateway: the API uses the silo's own co-hosted client, and a
    /// gateway would let any pod call grains without the API's authentication. Only for an external
    /// Orleans client that needs one (with Tls set, it must present a cluster certificate too).
    /// </summary>
    public bool EnableGateway { get; init; }

    /// <summary>Mutual TLS between silos (Silo:Tls:CertificatePath, KeyPath, CaPath: PEM files from a secret).</summary>
    public SiloTlsOptions Tls { get; init; } = new();

    public IPAddress? AdvertisedIp => string.IsNullOrWhiteSpace(AdvertisedAddress) ? null : IPAddress.Parse(AdvertisedAddress);
}
