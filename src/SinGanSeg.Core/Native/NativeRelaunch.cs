using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SinGanSeg.Core.Native;

/// <summary>
/// TorchSharp 0.107 needs a libstdc++ with GLIBCXX_3.4.32. The .NET host has already loaded the
/// system libstdc++ by the time Main runs, so a process on an older host (Debian 12) cannot fix
/// itself: it restarts once with the compatibility copy that eng/native/setup.sh placed next to
/// the executable (native-compat/), preloaded through LD_LIBRARY_PATH and LD_PRELOAD.
/// Hosts call <see cref="RelaunchIfNeeded"/> first thing in Main.
/// </summary>
public static class NativeRelaunch
{
    public const string CompatFolder = "native-compat";
    public const string MarkerVariable = "SINGANSEG_NATIVE_COMPAT";
    private const string ParentVariable = "SINGANSEG_NATIVE_COMPAT_PARENT";
    private const string NeededVersion = "GLIBCXX_3.4.32";

    /// <summary>
    /// Returns the child's exit code when this process relaunched itself (the caller must return
    /// it from Main at once), or null when the current process can load TorchSharp as it is.
    /// </summary>
    /// <summary>
    /// For a process that a relaunched process starts from its own executable: the child inherits
    /// the marker (so it does not relaunch again) and must name this process as its parent, or
    /// its orphan check would see the wrong parent and exit with 137 at once.
    /// </summary>
    public static void PrepareChild(ProcessStartInfo child)
    {
        if (Environment.GetEnvironmentVariable(MarkerVariable) == "1")
            child.Environment[ParentVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int? RelaunchIfNeeded(string[] args)
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (Environment.GetEnvironmentVariable(MarkerVariable) == "1")
        {
            // The relaunched child: die with the parent so a killed CLI never leaves training behind.
            _ = prctl(PR_SET_PDEATHSIG, SIGKILL);
            // The parent may have been killed before prctl took effect: then nobody would kill this one.
            if (int.TryParse(Environment.GetEnvironmentVariable(ParentVariable), out var parent) && getppid() != parent) Environment.Exit(137);
            return null;
        }
        var compat = Path.Combine(AppContext.BaseDirectory, CompatFolder);
        if (!File.Exists(Path.Combine(compat, "libstdc++.so.6")) || LoadedLibStdCxxIsNewEnough()) return null;

        var start = new ProcessStartInfo { UseShellExecute = false };
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable to relaunch");
        start.FileName = processPath;
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            // Started as 'dotnet app.dll': relaunch the same way.
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        var existing = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        start.Environment["LD_LIBRARY_PATH"] = string.IsNullOrEmpty(existing) ? compat : $"{compat}:{existing}";
        var shim = Path.Combine(compat, "libglibc238-shim.so");
        if (File.Exists(shim))
        {
            var preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
            start.Environment["LD_PRELOAD"] = string.IsNullOrEmpty(preload) ? shim : $"{shim}:{preload}";
        }
        start.Environment[MarkerVariable] = "1";
        start.Environment[ParentVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not relaunch {processPath}");
        // The parent only waits. A terminal's Ctrl+C reaches the whole process group, child
        // included, so SIGINT is only swallowed here (passing it on would count as a second
        // Ctrl+C, which stops the child hard). SIGTERM and SIGQUIT aimed at the parent (kill,
        // Kubernetes) are passed on.
        var registrations = new List<PosixSignalRegistration>
        {
            PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => ctx.Cancel = true),
        };
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
            registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                _ = kill(child.Id, SignalNumber(ctx.Signal));
            }));
        try
        {
            child.WaitForExit();
            return child.ExitCode;
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
        }
    }

    /// <summary>True when the libstdc++ mapped into this process provides what TorchSharp needs.</summary>
    public static bool LoadedLibStdCxxIsNewEnough()
    {
        try
        {
            var path = File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 6 && f[5].Contains("libstdc++.so"))
                .Select(f => f[5])
                .FirstOrDefault();
            // No libstdc++ loaded yet: TorchSharp will load whichever the loader finds first.
            return path is null ? ContainsAscii("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", NeededVersion) : ContainsAscii(path, NeededVersion);
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static bool ContainsAscii(string file, string text)
    {
        if (!File.Exists(file)) return false;
        var needle = System.Text.Encoding.ASCII.GetBytes(text);
        return File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0;
    }

    private static int SignalNumber(PosixSignal signal) => signal == PosixSignal.SIGQUIT ? 3 : 15;

    private const int PR_SET_PDEATHSIG = 1;
    private const int SIGKILL = 9;

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc")]
    private static extern int getppid();
}
