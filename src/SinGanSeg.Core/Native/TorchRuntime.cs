using TorchSharp;

namespace SinGanSeg.Core.Native;

/// <summary>Loads the TorchSharp native runtime once and turns a load failure into a message that says how to fix it.</summary>
public static class TorchRuntime
{
    private static readonly Lazy<string> Version = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The libtorch version; throws <see cref="TorchUnavailableException"/> if the runtime cannot load.</summary>
    public static string EnsureLoaded() => Version.Value;

    private static string Load()
    {
        try
        {
            NativeMemory.KeepFreedMemory();
            var version = torch.__version__;
            LibTorchContext.DisableNnpack();
            return version;
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException or InvalidOperationException)
        {
            var detail = e.InnerException?.Message ?? e.Message;
            var hint = OperatingSystem.IsLinux() && !NativeRelaunch.LoadedLibStdCxxIsNewEnough()
                ? "This host's libstdc++ lacks GLIBCXX_3.4.32 (TorchSharp 0.107 needs GCC 13's). Run eng/native/setup.sh " +
                  "(every build runs it once), then start the program again; the executables and 'dotnet test' pick it up by themselves."
                : "Check that the libtorch package for this platform was restored (libtorch-cpu-linux-x64, or the CUDA build with -p:TorchBackend=cuda).";
            throw new TorchUnavailableException($"The TorchSharp native runtime could not be loaded: {detail}\n{hint}", e);
        }
    }
}

public sealed class TorchUnavailableException(string message, Exception inner) : Exception(message, inner);
