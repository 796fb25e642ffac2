using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A private Azurite (Azure Blob and Table emulator, npm package 'azurite', installed into
/// .tools/ by eng/test.sh) on free loopback ports, in memory, for one test class.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    private Process? _process;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var exe = Path.Combine(TestData.RepoRoot, ".tools", "node_modules", ".bin", "azurite");
        if (!File.Exists(exe))
            throw new InvalidOperationException($"Azurite not found at {exe}: run eng/test.sh, or 'npm install --prefix .tools azurite@3.37.0'");
        var (blob, table, queue) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--inMemoryPersistence", "--loose",
                     "--blobHost", "127.0.0.1", "--blobPort", $"{blob}", "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
                     "--queueHost", "127.0.0.1", "--queuePort", $"{queue}" })
            start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;";
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (!(Listening(blob) && Listening(table)))
        {
            if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Azurite did not start within 180 s");
            await Task.Delay(200);
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.Dispose();
        return Task.CompletedTask;
    }

    private static int FreePort() => TestPorts.Free();

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
