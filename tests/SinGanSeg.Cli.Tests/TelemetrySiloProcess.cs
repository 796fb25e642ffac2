using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SinGanSeg.Core.Tests;

/// <summary>The silo host as a separate process in its embedded default, with extra (telemetry) arguments; one per test.</summary>
public sealed class TelemetrySiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    private TelemetrySiloProcess(Process process, Uri api, string stateDirectory)
    {
        _process = process;
        Api = api;
        StateDirectory = stateDirectory;
    }

    public Uri Api { get; }
    public string StateDirectory { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    public static Task<TelemetrySiloProcess> StartAsync(params string[] extraArgs) => StartAsync(httpPortsVariable: false, extraArgs);

    /// <param name="httpPortsVariable">Name the API port the way the container images do (ASPNETCORE_HTTP_PORTS) instead of with --urls.</param>
    public static async Task<TelemetrySiloProcess> StartAsync(bool httpPortsVariable, params string[] extraArgs)
    {
        var state = TestData.NewTempDir("telemetry-silo");
        var apiPort = FreePort();
        var api = new Uri($"http://127.0.0.1:{apiPort}");
        var dll = CliProcess.Executable("SinGanSeg.Silo", "singanseg-silo.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        if (httpPortsVariable) start.Environment["ASPNETCORE_HTTP_PORTS"] = apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] address = httpPortsVariable ? [] : ["--urls", api.AbsoluteUri];
        foreach (var a in new[] { dll }.Concat(address).Concat(new[]
                 {
                     $"--Silo:SiloPort={FreePort()}", $"--Silo:GatewayPort={FreePort()}",
                     $"--SinGanSeg:StateDirectory={state}", $"--SinGanSeg:ScratchDirectory={Path.Combine(state, "scratch")}",
                     "--SinGanSeg:Device=cpu", "--SinGanSeg:ProgressInterval=00:00:00.300",
                 }).Concat(extraArgs))
            start.ArgumentList.Add(a);
        start.Environment.Remove("LD_PRELOAD");
        start.Environment.Remove("LD_LIBRARY_PATH");
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(key);
        var silo = new TelemetrySiloProcess(Process.Start(start)!, api, state);
        silo._process.OutputDataReceived += (_, e) => { lock (silo._log) silo._log.AppendLine(e.Data); };
        silo._process.ErrorDataReceived += (_, e) => { lock (silo._log) silo._log.AppendLine(e.Data); };
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (silo._process.HasExited) throw new InvalidOperationException($"silo exited with {silo._process.ExitCode}:\n{silo.Log}");
            try
            {
                if ((await http.GetAsync(new Uri(api, "/health"))).IsSuccessStatusCode) return silo;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                await silo.DisposeAsync();
                throw new TimeoutException($"silo did not answer within 2 minutes:\n{silo.Log}");
            }
            await Task.Delay(250);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A port no other test server of this run was given (<see cref="TestPorts"/>).</summary>
    public static int FreePort() => TestPorts.Free();
}
