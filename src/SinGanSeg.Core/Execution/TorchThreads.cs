using TorchSharp;

namespace SinGanSeg.Core.Execution;

/// <summary>Process-wide libtorch thread settings; hosts set them once at start.</summary>
public static class TorchThreads
{
    /// <summary>Sets intra-op threads (default: all cores, or cores ÷ concurrent jobs when several share the machine).</summary>
    public static int Configure(int? threads, int concurrentJobs = 1)
    {
        Native.TorchRuntime.EnsureLoaded();
        var n = threads ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, concurrentJobs));
        if (n < 1) throw new ArgumentException($"thread count {n} must be at least 1");
        torch.set_num_threads(n);
        return n;
    }
}
