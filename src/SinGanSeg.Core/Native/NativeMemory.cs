using System.Runtime.InteropServices;

namespace SinGanSeg.Core.Native;

/// <summary>
/// Keeps memory that libtorch frees inside the process instead of handing it back to the kernel.
///
/// Why: libtorch's CPU allocator has no cache, so every activation (tens of MB at the finest
/// scale) is a fresh malloc; glibc serves large blocks with mmap and returns them on free, and
/// the next tensor page-faults all of it in again. On the virtual machines measured here a
/// fault costs microseconds, which made an out-of-place elementwise op on a 29 MB tensor take
/// 10–30 ms instead of under 1 ms and convolutions ~1.7× slower (docs/BENCHMARKS.md). With mmap
/// off and trimming off, freed blocks are reused from the heap. The cost: the process keeps its
/// high-water mark, which a long-running trainer reaches anyway. SINGANSEG_RETURN_MEMORY=1
/// restores glibc's defaults.
/// </summary>
internal static class NativeMemory
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_TOP_PAD = -2;
    private const int M_MMAP_MAX = -4;

    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("SINGANSEG_RETURN_MEMORY") == "1") return;
        try
        {
            _ = mallopt(M_MMAP_MAX, 0);
            _ = mallopt(M_TRIM_THRESHOLD, int.MaxValue);
            _ = mallopt(M_TOP_PAD, 64 << 20);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no mallopt): nothing to tune.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
