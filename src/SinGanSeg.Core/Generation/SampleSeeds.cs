using SinGanSeg.Core.Training;

namespace SinGanSeg.Core.Generation;

/// <summary>
/// Sample k of a generation seed gets its own random stream (SplitMix64 of seed and k), so a
/// sample can be regenerated alone from the (model, seed, index) its file name records.
/// </summary>
public static class SampleSeeds
{
    public static long ForSample(long seed, int index)
    {
        unchecked
        {
            var z = (ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(index + 1);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)((z ^ (z >> 31)) & 0x7FFF_FFFF_FFFF_FFFFUL);
        }
    }

    /// <summary>The generation seed of a gate's regeneration round t (1, 2, …): derived, so a rerun draws the same replacements.</summary>
    public static long ForRetry(long seed, int round) => ForSample(seed, int.MaxValue - round);

    public static SeededRandomSource[] Sources(long seed, int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => new SeededRandomSource(ForSample(seed, i)))];
}
