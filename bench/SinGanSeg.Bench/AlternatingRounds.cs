using System.Diagnostics;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

/// <summary>
/// Times two variants of one step (false and true) in rounds that alternate between them, so that a
/// change of machine load hits both; each round repeats the step for at least 0.5 s (and 3 times),
/// the first round after 3 warm-up steps. The result is the median per variant, in milliseconds.
/// </summary>
public static class AlternatingRounds
{
    public static Dictionary<bool, double> MedianMs(Action<bool> step, int rounds)
    {
        var times = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (var r = 0; r < rounds; r++)
            foreach (var variant in new[] { false, true })
            {
                for (var warm = 0; warm < (r == 0 ? 3 : 1); warm++)
                    using (var inner = NewDisposeScope()) step(variant);
                var watch = Stopwatch.StartNew();
                var reps = 0;
                while (watch.Elapsed.TotalSeconds < 0.5 || reps < 3)
                {
                    using var inner = NewDisposeScope();
                    step(variant);
                    reps++;
                }
                times[variant].Add(watch.Elapsed.TotalMilliseconds / reps);
            }
        return times.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ElementAt(kv.Value.Count / 2));
    }
}
