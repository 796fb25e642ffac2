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
    /// <summary>Its cluster and service id, for a host that runs the same silo over the same state (`run --dashboard`).</summary>
    public const string ServiceId = "singanseg-embedded";

    private readonly IHost _host;
    private readonly FileStream _lock;

    private EmbeddedSilo(IHost host, string stateDirectory, FileStream ownership)
    {
        _host = host;
        _lock = ownership;
        StateDirectory = stateDirectory;
    }

    public string StateDirectory { get; }
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();
    public IArtifactStore Artifacts => _host.Services.GetRequiredService<IArtifactStore>();

    public IServiceProvider Services => _host.Services;

    /// <param name="configureLogging">Where the silo logs (the CLI sends it to a file so the live display stays intact).</param>
    /// <param name="configure">Adjusts the options (the benchmark shortens timers).</param>
    /// <param name="configureSilo">Extra silo wiring (the benchmark adds a call counter).</param>
    /// <param name="buildHost">
    /// Hosts the silo, with these final options, in another application instead of a bare host:
    /// `run --dashboard` runs the silo web app (dashboard and REST API) here, which wires its own
    /// silo and logging (<paramref name="configureLogging"/> and <paramref name="configureSilo"/> are then unused).
    /// </param>
    public static async Task<EmbeddedSilo> StartAsync(string stateDirectory, string device, int slots, CancellationToken cancellation,
        Action<ILoggingBuilder>? configureLogging = null, Func<SinGanSegOptions, SinGanSegOptions>? configure = null, Action<ISiloBuilder>? configureSilo = null,
        Func<SinGanSegOptions, IHost>? buildHost = null)
    {
        Directory.CreateDirectory(stateDirectory);
        var ownership = await Own(stateDirectory, cancellation);
        try
        {
            return await Start(stateDirectory, device, slots, ownership, cancellation, configureLogging, configure, configureSilo, buildHost);
        }
        catch
        {
            await ownership.DisposeAsync();
            throw;
        }
    }

    private static async Task<EmbeddedSilo> Start(string stateDirectory, string device, int slots, FileStream ownership, CancellationToken cancellation,
        Action<ILoggingBuilder>? configureLogging, Func<SinGanSegOptions, SinGanSegOptions>? configure, Action<ISiloBuilder>? configureSilo,
        Func<SinGanSegOptions, IHost>? buildHost)
    {
        // Nothing else writes here (we hold the lock): whatever a killed process was writing can go.
        var scratch = Path.Combine(stateDirectory, "scratch");
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        Core.IO.AtomicFile.SweepOrphans(stateDirectory);
        var options = new SinGanSegOptions
        {
            Storage = StorageMode.Embedded,
            StateDirectory = stateDirectory,
            ScratchDirectory = scratch,
            AcceptImageGrains = true,
            Device = device,
            Slots = slots,
            ImageKeepAlive = TimeSpan.FromSeconds(30),
            JobReconcile = TimeSpan.FromSeconds(30),
        };
        options = configure?.Invoke(options) ?? options;
        var host = buildHost?.Invoke(options) ?? BareHost(options, configureLogging, configureSilo);
        try
        {
            await host.StartAsync(cancellation);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new EmbeddedSilo(host, stateDirectory, ownership);
    }

    /// <summary>The silo alone in a generic host: localhost clustering on free ports, logging only where the caller says.</summary>
    private static IHost BareHost(SinGanSegOptions options, Action<ILoggingBuilder>? configureLogging, Action<ISiloBuilder>? configureSilo)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: ServiceId, clusterId: ServiceId);
            silo.AddSinGanSeg(options);
            configureSilo?.Invoke(silo);
        });
        return builder.Build();
    }

    /// <summary>
    /// Takes the state folder for this process alone (an exclusive lock the OS drops when the
    /// process dies, kill -9 included). Waits a little for a process that is still going away.
    /// </summary>
    private static async Task<FileStream> Own(string stateDirectory, CancellationToken cancellation)
    {
        var path = Path.Combine(stateDirectory, "lock");
        for (var waited = TimeSpan.Zero; ; waited += TimeSpan.FromMilliseconds(250))
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(250, cancellation);
            }
            catch (IOException e)
            {
                throw new IOException($"{stateDirectory} is in use by another singanseg process; wait for it to end or use another output folder", e);
            }
        }
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
            await _lock.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
