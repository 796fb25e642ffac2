using Orleans.Configuration;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Silo.Dashboard;

namespace SinGanSeg.Silo;

/// <summary>Reads configuration and wires the silo: embedded (localhost, local disk) or cluster (Azure Table or PostgreSQL membership).</summary>
public static class SiloSetup
{
    public static (SinGanSegOptions Options, SiloHostOptions Host) Read(IConfiguration configuration)
    {
        var options = configuration.GetSection("SinGanSeg").Get<SinGanSegOptions>() ?? new SinGanSegOptions();
        var host = configuration.GetSection("Silo").Get<SiloHostOptions>() ?? new SiloHostOptions();
        if (host.AdvertisedAddress is null && Environment.GetEnvironmentVariable("POD_IP") is { Length: > 0 } podIp)
            host = host with { AdvertisedAddress = podIp };
        if (host.SiloName is null && Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } podName)
            host = host with { SiloName = podName };
        return (options.Validated(), host with { Tls = host.Tls.Validated() });
    }

    public static ISiloBuilder Configure(this ISiloBuilder silo, SinGanSegOptions options, SiloHostOptions host)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = host.ClusterId;
            o.ServiceId = host.ServiceId;
        });
        if (host.SiloName is { Length: > 0 } name) silo.Configure<SiloOptions>(o => o.SiloName = name);
        if (options.Storage == StorageMode.Embedded)
        {
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
        }
        else
        {
            if (options.Storage == StorageMode.Postgres) silo.UseSinGanSegPostgresClustering(options);
            else silo.UseSinGanSegAzureClustering(options);
            // Gateway port 0: no gateway listener at all (see SiloHostOptions.EnableGateway).
            silo.ConfigureEndpoints(host.AdvertisedIp ?? System.Net.IPAddress.Loopback, host.SiloPort, host.EnableGateway ? host.GatewayPort : 0, listenOnAnyHostAddress: true);
        }
        silo.UseSinGanSegTls(host.Tls);
        silo.AddSinGanSegOrleansDashboard();
        return silo.AddSinGanSeg(options);
    }
}
