using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SinGanSeg.Core.Tests;

/// <summary>The silo host (singanseg-silo) as a separate process in its embedded default, on free ports, with its own state folder.</summary>
public class SiloProcess : IAsyncLifetime
{
    private Process? _process;
    private readonly System.Text.StringBuilder _log = new();

    public Uri Api { get; private set; } = null!;
    public string StateDirectory { get; } = TestData.NewTempDir("silo-state");
    public string Log { get { lock (_log) return _log.ToString(); } }

    public async Task InitializeAsync()
    {
        var port = FreePort();
        Api = new Uri($"http://127.0.0.1:{port}");
        var address = UseDefaultAddress ? [$"--Silo:HttpPort={port}"] : new[] { "--urls", Api.AbsoluteUri };
        var start = StartInfo(address.Concat(
        [
            $"--Silo:SiloPort={FreePort()}", $"--Silo:GatewayPort={FreePort()}",
            $"--SinGanSeg:StateDirectory={StateDirectory}", $"--SinGanSeg:ScratchDirectory={Path.Combine(StateDirectory, "scratch")}",
            "--SinGanSeg:Device=cpu", "--SinGanSeg:ProgressInterval=00:00:00.300",
        ]).Concat(ExtraArgs));
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"silo exited with {_process.ExitCode}:\n{Log}");
            try
            {
                if ((await http.GetAsync(new Uri(Api, "/health"))).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"silo did not answer within 2 minutes:\n{Log}");
            await Task.Delay(250);
        }
    }

    /// <summary>More configuration for a derived fixture (e.g. "--Auth:ApiKeys=…"); later arguments win.</summary>
    protected virtual IEnumerable<string> ExtraArgs => [];

    /// <summary>Leave the address to the host's own default (only the port is set, through Silo:HttpPort) instead of passing --urls.</summary>
    protected virtual bool UseDefaultAddress => false;

    /// <summary>How to start singanseg-silo with these arguments, as the fixture does.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliProcess.Executable("SinGanSeg.Silo", "singanseg-silo.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("LD_PRELOAD");
        start.Environment.Remove("LD_LIBRARY_PATH");
        start.WorkingDirectory = Path.GetDirectoryName(CliProcess.Executable("SinGanSeg.Silo", "singanseg-silo.dll"))!;
        return start;
    }

    public virtual Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.Dispose();
        return Task.CompletedTask;
    }

    public static int FreePort() => TestPorts.Free();
}
