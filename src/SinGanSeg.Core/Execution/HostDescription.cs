namespace SinGanSeg.Core.Execution;

/// <summary>
/// The machine a measurement ran on, as one line: CPU model (with family and model numbers, since
/// virtual machines often name only the vendor), logical cores, and the widest vector instruction
/// set libtorch's CPU kernels can pick (AVX-512, AVX2 or neither, lowered by ATEN_CPU_CAPABILITY).
///
/// Why: libtorch chooses its kernels by that instruction set, and kernels round differently; an
/// evaluation repeated with the same code and inputs on an AVX-512 host moved single runs by up to
/// 0.08 Dice (docs/QUALITY.md). Runs are comparable bit for bit only on the same description, so
/// evaluation runs and benchmarks record it.
/// </summary>
public static class HostDescription
{
    private static readonly Lazy<string> Here = new(() => Describe(
        File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : null,
        Environment.ProcessorCount,
        Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY")));

    /// <summary>This process's machine.</summary>
    public static string Current => Here.Value;

    /// <summary>The description from the text of /proc/cpuinfo (null where there is none), the logical core count and ATEN_CPU_CAPABILITY.</summary>
    public static string Describe(string? cpuinfo, int logicalCores, string? capabilityOverride)
    {
        var fields = (cpuinfo ?? "").Split('\n')
            .TakeWhile(line => line.Trim().Length > 0) // the first processor's block
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0].Trim())
            .ToDictionary(g => g.Key, g => g.First()[1].Trim());
        var model = fields.GetValueOrDefault("model name") ?? "unknown CPU";
        if (fields.TryGetValue("cpu family", out var family) && fields.TryGetValue("model", out var number))
            model += $" (family {family}, model {number})";
        var flags = fields.TryGetValue("flags", out var list) ? list.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() : [];
        // What libtorch's dispatch asks of each level (aten/src/ATen/native/DispatchStub.cpp).
        var capability = new[] { "avx512f", "avx512bw", "avx512vl", "avx512dq", "fma" }.All(flags.Contains) ? "AVX-512"
            : flags.Contains("avx2") && flags.Contains("fma") ? "AVX2"
            : cpuinfo is null ? "unknown vector ISA" : "no AVX2";
        capability = capabilityOverride?.Trim().ToUpperInvariant() switch
        {
            "DEFAULT" => "no AVX2 (ATEN_CPU_CAPABILITY)",
            "AVX2" when capability == "AVX-512" => "AVX2 (ATEN_CPU_CAPABILITY)",
            _ => capability,
        };
        return $"{model}, {logicalCores} logical cores, {capability}";
    }
}
