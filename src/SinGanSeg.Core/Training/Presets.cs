namespace SinGanSeg.Core.Training;

/// <summary>Named configurations. docs/BENCHMARKS.md records what each costs and gives.</summary>
public static class Presets
{
    /// <summary>The reference's settings: 250 px, 2000 iterations per scale.</summary>
    public static SinGanConfig Paper { get; } = new();

    /// <summary>Smaller and shorter for quick datasets; see docs/BENCHMARKS.md for its cost in quality.</summary>
    public static SinGanConfig Fast { get; } = new() { MaxSize = 128, Iterations = 500 };

    /// <summary>
    /// The newcomer's demo (eng/demo.sh): 64 px, 100 iterations per scale — the setting of
    /// docs/EVALUATION.md's Kvasir-SEG run; minutes per image on 2 CPU cores, samples that
    /// already read as colonoscopy frames.
    /// </summary>
    public static SinGanConfig Quick { get; } = new() { MaxSize = 64, Iterations = 100 };

    /// <summary>For tests: three scales up to 40 px, a handful of iterations.</summary>
    public static SinGanConfig Tiny { get; } = new() { MaxSize = 40, Iterations = 8 };

    public static IReadOnlyList<string> Names { get; } = ["paper", "fast", "quick", "tiny"];

    public static SinGanConfig Get(string name) => name.ToLowerInvariant() switch
    {
        "paper" => Paper,
        "fast" => Fast,
        "quick" => Quick,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"unknown preset '{name}': choose one of {string.Join(", ", Names)}"),
    };
}
