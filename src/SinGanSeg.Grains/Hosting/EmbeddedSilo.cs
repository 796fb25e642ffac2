using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Hosting;

/// <summary>
/// The embedded default: one silo in this process, localhost clustering on free ports, grain
/// state, reminders and artifacts under the output's .singanseg folder, so running the same
/// command again finds its job and carries on.
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedSilo(IHost host, string stateDirectory)
    {
        _host = host;
        StateDirectory = stateDirectory;
    }

    public string StateDirectory { get; }
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();
    public IArtifactStore Artifacts => _host.Services.GetRequiredService<IArtifactStore>();

    public IServiceProvider Services => _host.Services;

    /// <param name="configureLogging">Where the silo logs (the CLI sends it to a file so the live display stays intact).</param>
    /// <param name="configure">Adjusts the options (the benchmark shortens timers).</param>
    /// <param name="configureSilo">Extra silo wiring (the benchmark adds a call counter).</param>
    public static async Task<EmbeddedSilo> StartAsync(string stateDirectory, string device, int slots, CancellationToken cancellation,
        Action<ILoggingBuilder>? configureLogging = null, Func<SinGanSegOptions, SinGanSegOptions>? configure = null, Action<ISiloBuilder>? configureSilo = null)
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
        options = configure?.Invoke(options) ?? options;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "singanseg-embedded", clusterId: "singanseg-embedded");
            silo.AddSinGanSeg(options);
            configureSilo?.Invoke(silo);
        });
        var host = builder.Build();
        await host.StartAsync(cancellation);
        return new EmbeddedSilo(host, stateDirectory);
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
