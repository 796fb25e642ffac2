using System.Diagnostics;
using Npgsql;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A private PostgreSQL server for one test class: Debian's server binaries (installed by
/// eng/test.sh), a fresh cluster made by initdb in a temporary folder, on a free loopback port,
/// without durability (fsync off: the data is thrown away). PostgreSQL refuses to run as root,
/// so under root it runs as the 'postgres' system user (runuser).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private Process? _process;
    private readonly System.Text.StringBuilder _log = new();
    private string _root = "";

    public int Port { get; private set; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>A connection string to <paramref name="database"/> (the superuser's own database by default).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=singanseg;Database={database};Timeout=30;Command Timeout=60";

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString()))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return ConnectionString(name);
    }

    public async Task InitializeAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "postgres")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault()
            : null;
        if (bin is null)
            throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run eng/test.sh, or 'apt-get install postgresql'");
        _root = TestData.NewTempDir("postgres");
        var asRoot = Environment.UserName == "root";
        if (asRoot) await RunAsync("chown", ["postgres:", _root]);
        var data = Path.Combine(_root, "data");
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "singanseg", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"], asRoot);

        Port = FreePort();
        _process = Process.Start(Start(Path.Combine(bin, "postgres"),
            ["-D", data, "-h", "127.0.0.1", "-p", $"{Port}", "-k", _root,
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"], asRoot))!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"postgres exited with {_process.ExitCode}:\n{Log}");
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString());
                await connection.OpenAsync();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"postgres did not accept connections within 60 s:\n{Log}", e);
                await Task.Delay(200);
            }
        }
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_process is { HasExited: false })
        {
            // SIGINT to the postmaster is PostgreSQL's "fast shutdown"; the tree kill is the fallback.
            var pidFile = Path.Combine(_root, "data", "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var postmaster)) _ = kill(postmaster, 2);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static ProcessStartInfo Start(string exe, IEnumerable<string> args, bool asPostgresUser)
    {
        var start = new ProcessStartInfo(asPostgresUser ? "runuser" : exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgresUser) foreach (var a in new[] { "-u", "postgres", "--", exe }) start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        // The test host's native-library settings are for libtorch, not for PostgreSQL.
        start.Environment.Remove("LD_PRELOAD");
        start.Environment.Remove("LD_LIBRARY_PATH");
        return start;
    }

    private static async Task RunAsync(string exe, IEnumerable<string> args, bool asPostgresUser = false)
    {
        using var process = Process.Start(Start(exe, args, asPostgresUser))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({process.ExitCode}):\n{await output}{await error}");
    }

    private static int FreePort() => TestPorts.Free();

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
