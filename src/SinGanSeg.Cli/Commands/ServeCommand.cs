using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using SinGanSeg.Cli.Output;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Silo;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// singanseg serve: the silo host (REST API, job dashboard, Orleans Dashboard, API reference)
/// embedded in the CLI, on 127.0.0.1, with everything on local disk under --state. The cluster
/// commands' default --api is this host, so `serve` in one terminal and `submit`/`watch` in another works as is.
/// </summary>
public static class ServeCommand
{
    public sealed record Addresses(string Url, string Dashboard, string OpenApi, string ApiReference, string OrleansDashboard, string State, string Log);

    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "HTTP port on 127.0.0.1 (0 = any free port; the address is printed)", DefaultValueFactory = _ => 5080 };
        var state = new Option<DirectoryInfo>("--state") { Description = "where jobs, models and datasets are kept", DefaultValueFactory = _ => new DirectoryInfo("singanseg-state") };
        var slots = new Option<int>("--slots") { Description = "images trained at once", DefaultValueFactory = _ => 1 };
        var apiKey = new Option<string?>("--api-key") { Description = "require this API key from clients (default: none; the host listens on 127.0.0.1 only)" };
        var json = new Option<bool>("--json") { Description = "print the addresses as one JSON line" };
        var device = CommonOptions.Device();
        var command = new Command("serve", "Start a silo host on this machine: REST API, job dashboard and Orleans Dashboard on 127.0.0.1, until Ctrl+C.")
        {
            port, state, slots, device, apiKey, json,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                var dir = parse.GetValue(state)!.FullName;
                Directory.CreateDirectory(dir);
                var log = Path.Combine(dir, "singanseg.log");
                await using var app = Build(dir, parse.GetValue(port), parse.GetValue(device)!, parse.GetValue(slots), parse.GetValue(apiKey), log);
                await app.StartAsync(cancellation);
                var addresses = AddressesOf(app, dir, log);
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(addresses);
                }
                else
                {
                    Console.WriteLine($"singanseg serve: {addresses.Url}");
                    Console.WriteLine($"  job dashboard     {addresses.Dashboard}");
                    Console.WriteLine($"  API reference     {addresses.ApiReference} (OpenAPI: {addresses.OpenApi})");
                    Console.WriteLine($"  Orleans Dashboard {addresses.OrleansDashboard}");
                    Console.WriteLine($"  state {dir}, log {log}");
                    Console.WriteLine("Submit with 'singanseg submit --job-id ID --images DIR --masks DIR --upload'; Ctrl+C stops the host (finished work is kept).");
                }
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellation);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or SIGTERM: a normal way to stop a server.
                }
                await app.StopAsync(CancellationToken.None);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is IOException { InnerException: SocketException } or SocketException)
            {
                Console.Error.WriteLine($"error: cannot listen on 127.0.0.1:{parse.GetValue(port)} ({e.Message}); pick another --port (0 = any free one)");
                return ExitCodes.Usage;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e);
            }
        });
        return command;
    }

    /// <summary>The silo host application on 127.0.0.1:<paramref name="port"/>, its log in a file so the terminal stays readable.</summary>
    public static WebApplication Build(string stateDirectory, int port, string device, int slots, string? apiKey, string logFile)
    {
        List<string> args =
        [
            "--urls", $"http://127.0.0.1:{port}",
            "--SinGanSeg:Storage=Embedded",
            $"--SinGanSeg:StateDirectory={stateDirectory}",
            $"--SinGanSeg:ScratchDirectory={Path.Combine(stateDirectory, "scratch")}",
            $"--SinGanSeg:Device={device}",
            $"--SinGanSeg:Slots={slots}",
            // Free ports, so a second host (or singanseg run) on the machine does not collide.
            $"--Silo:SiloPort={FreePort()}", $"--Silo:GatewayPort={FreePort()}",
        ];
        if (apiKey is { Length: > 0 }) args.Add($"--Auth:ApiKeys={apiKey}");
        return SiloApp.Build([.. args], AppContext.BaseDirectory, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new FileLoggerProvider(logFile, LogLevel.Information));
        });
    }

    /// <summary>
    /// The same application over a silo configured by its caller (`run --dashboard`: the embedded
    /// silo of `run`, its state under OUT/.singanseg), on 127.0.0.1:<paramref name="port"/>. It takes
    /// the embedded silo's service id, so reminders stored by a plain `run` are found again.
    /// </summary>
    public static WebApplication BuildOver(SinGanSegOptions options, int port, string logFile) => SiloApp.Build(
    [
        "--urls", $"http://127.0.0.1:{port}",
        $"--Silo:SiloPort={FreePort()}", $"--Silo:GatewayPort={FreePort()}",
        $"--Silo:ServiceId={EmbeddedSilo.ServiceId}", $"--Silo:ClusterId={EmbeddedSilo.ServiceId}",
    ], AppContext.BaseDirectory, builder =>
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new FileLoggerProvider(logFile, LogLevel.Information));
    }, options);

    public static Addresses AddressesOf(WebApplication app, string stateDirectory, string log)
    {
        var url = app.Urls.First().TrimEnd('/');
        return new Addresses(url, url + "/", url + "/openapi/v1.json", url + "/api/docs/", url + "/orleans/", stateDirectory, log);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
