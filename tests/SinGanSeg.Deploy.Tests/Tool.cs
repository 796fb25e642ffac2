using System.Diagnostics;

namespace SinGanSeg.Deploy.Tests;

/// <summary>Runs an external tool the deploy checks need; a missing tool fails the test with how to get it.</summary>
internal static class Tool
{
    /// <param name="configure">Adjusts the process before it starts (its environment).</param>
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, string workingDirectory, string installHint, TimeSpan? timeout = null,
        Action<ProcessStartInfo>? configure = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in args) start.ArgumentList.Add(a);
        configure?.Invoke(start);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException($"'{file}' is not available ({e.Message}). {installHint}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException($"{file} timed out");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
