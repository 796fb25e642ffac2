using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace SinGanSeg.Core.Tests;

/// <summary>Starts the built singanseg executable as a separate process, as a user would.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <param name="asFreshShell">Drop the native-compat variables the test host runs with, so the
    /// CLI has to find (and, on old hosts, relaunch with) the runtime itself.</param>
    /// <param name="environment">Variables set for the process, e.g. a host setting (SinGanSeg__RetentionDays).</param>
    public static CliProcess Start(IEnumerable<string> args, bool asFreshShell = true, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable("SinGanSeg.Cli", "singanseg.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        if (asFreshShell)
        {
            start.Environment.Remove("LD_PRELOAD");
            start.Environment.Remove("LD_LIBRARY_PATH");
        }
        start.Environment.Remove("SINGANSEG_NATIVE_COMPAT");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return new CliProcess(Process.Start(start)!);
    }

    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var p = Start(args);
        var code = p.WaitForExit(TimeSpan.FromMinutes(5));
        return (code, p.Stdout, p.Stderr);
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"singanseg did not finish within {timeout}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Signal(int signal) => _ = kill(_process.Id, signal);

    /// <summary>Waits up to <paramref name="wait"/>; if the process is still running then, sends it the signal and waits for it to go. True when it had ended by itself.</summary>
    public bool WaitForExitOrKill(TimeSpan wait, int signal)
    {
        if (_process.WaitForExit(wait)) return true;
        Signal(signal);
        _process.WaitForExit(TimeSpan.FromSeconds(30));
        return false;
    }

    /// <summary>An executable as its own project built it (same configuration as these tests), with its own dependencies.</summary>
    public static string Executable(string project, string dll)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(TestData.RepoRoot, "src", project, "bin", configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the solution first", path);
    }

    /// <summary>Child processes of this one (the relaunched CLI, on hosts that need it).</summary>
    public IReadOnlyList<int> Children()
    {
        var file = $"/proc/{_process.Id}/task/{_process.Id}/children";
        return File.Exists(file)
            ? File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList()
            : [];
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
