using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SinGanSeg.Bench.Chaos;

/// <summary>
/// Azurite as a real process on disk (--location), on fixed loopback ports, that can be stopped
/// (SIGTERM: it closes its servers and flushes its database, as a store restarted by its operator
/// would) and started again on the same data — a full storage outage. SIGKILL would lose writes
/// Azurite had already acknowledged (its database is saved periodically), a fault outside any
/// real store's contract, so the harness never uses it.
/// </summary>
public sealed class AzuriteProcess(string executable, string location) : IAsyncDisposable
{
    private Process? _process;
    private readonly (int Blob, int Table, int Queue) _ports = (FreePort(), FreePort(), FreePort());

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{_ports.Blob}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_ports.Table}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_ports.Queue}/devstoreaccount1;";

    public bool Running => _process is { HasExited: false };

    public static string FindExecutable(string repoRoot)
    {
        var exe = Path.Combine(repoRoot, ".tools", "node_modules", ".bin", "azurite");
        return File.Exists(exe) ? exe : throw new InvalidOperationException($"Azurite not found at {exe}: run eng/test.sh, or 'npm install --prefix .tools azurite@3.37.0'");
    }

    public async Task StartAsync()
    {
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--loose", "--location", location,
                     "--blobHost", "127.0.0.1", "--blobPort", $"{_ports.Blob}", "--tableHost", "127.0.0.1", "--tablePort", $"{_ports.Table}",
                     "--queueHost", "127.0.0.1", "--queuePort", $"{_ports.Queue}" })
            start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(Listening(_ports.Blob) && Listening(_ports.Table)))
        {
            if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Azurite did not start within 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// SIGTERM and wait for the exit (its database flushed). Telemetry is off at start: on
    /// SIGTERM Azurite otherwise flushes it to the internet first, which without a network held
    /// the exit past 30 s.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p) return;
        if (Kill(p.Id, 15) != 0) throw new InvalidOperationException($"could not signal Azurite (pid {p.Id})");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Azurite (pid {p.Id}) did not exit within 30 s of SIGTERM");
        }
        p.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
