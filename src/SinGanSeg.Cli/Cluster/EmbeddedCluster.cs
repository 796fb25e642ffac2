using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using SinGanSeg.Cli.Output;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Cli.Cluster;

/// <summary>
/// The embedded default: one silo in this process, localhost clustering on free ports, grain
/// state, reminders and artifacts under the output's .singanseg folder, so running the same
/// command again finds its job and carries on.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedCluster(IHost host, string stateDirectory)
    {
        _host = host;
        StateDirectory = stateDirectory;
    }

    public string StateDirectory { get; }
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();
    public IArtifactStore Artifacts => _host.Services.GetRequiredService<IArtifactStore>();

    public static async Task<EmbeddedCluster> StartAsync(string stateDirectory, string device, int slots, CancellationToken cancellation)
    {
        Directory.CreateDirectory(stateDirectory);
        var options = new SinGanSegOptions
        {
            Storage = StorageMode.Embedded,
            StateDirectory = stateDirectory,
            ScratchDirectory = Path.Combine(stateDirectory, "scratch"),
            AcceptImageGrains = true,
            Device = device,
            Slots = slots,
            ImageKeepAlive = TimeSpan.FromSeconds(30),
            JobReconcile = TimeSpan.FromSeconds(30),
        };
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new FileLoggerProvider(Path.Combine(stateDirectory, "singanseg.log"), LogLevel.Information));
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "singanseg-embedded", clusterId: "singanseg-embedded");
            silo.AddSinGanSeg(options);
        });
        var host = builder.Build();
        await host.StartAsync(cancellation);
        return new EmbeddedCluster(host, stateDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
