using System.Net;

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

    public IPAddress? AdvertisedIp => string.IsNullOrWhiteSpace(AdvertisedAddress) ? null : IPAddress.Parse(AdvertisedAddress);
}
