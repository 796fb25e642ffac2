using System.Diagnostics;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

/// <param name="Load">1-minute load average when our scale finished.</param>
/// <param name="ReferenceSeconds">The original code's time for the same scale, measured in the same run just before ours (null without --reference).</param>
public sealed record ScaleTiming(int Scale, int Height, int Width, int NetworkWidth, double Seconds, Dictionary<string, double> Phases,
    double Load = double.NaN, double? ReferenceSeconds = null, double? ReferenceLoad = null);

public sealed record EngineResult(
    string Image,
    string Preset,
    int Iterations,
    int Threads,
    IReadOnlyList<ScaleTiming> Scales,
    double SamplesPerSecond,
    int SampleCount,
    long PeakMemoryBytes,
    DateTimeOffset MeasuredAt,
    string Machine,
    double? ReferenceSamplesPerSecond = null,
    long? ReferencePeakMemoryBytes = null,
    double SamplingLoad = double.NaN);

/// <summary>
/// The engine benchmark: the first N iterations of every scale of a preset on one 622×529 pair
/// with a fixed number of torch threads, peak memory, and the sampling rate of the resulting
/// model (PNG writing included). With a <see cref="ReferenceRun"/>, the original code trains the
/// same scale just before ours, scale by scale, and samples just before ours, so every ratio
/// compares two measurements taken minutes apart on the same machine under the same load.
/// </summary>
public static class EngineBenchmark
{
    public static EngineResult Run(string imagePath, string maskPath, string preset, int iterations, int threads, int samples, string workDir, string? referenceDir = null)
    {
        TorchThreads.Configure(threads);
        var input = ImagePairLoader.Default.LoadPair(imagePath, maskPath);
        var config = Presets.Get(preset) with { Iterations = iterations };
        var modelDir = Path.Combine(workDir, "model");
        if (Directory.Exists(workDir)) Directory.Delete(workDir, recursive: true);
        var phases = new Dictionary<int, PhaseTimes>();
        var loads = new Dictionary<int, double>();
        var referenceScales = new Dictionary<int, (double Seconds, double Load, long Height, long Width)>();
        var scaleCount = PyramidGeometry.Compute(input.Height, input.Width, config.MinSize, config.MaxSize, config.ScaleFactor).ScaleCount;
        using var reference = referenceDir is null ? null : ReferenceRun.Start(referenceDir, imagePath, maskPath, iterations, threads, config.MaxSize, config.MinSize, samples);
        void ReferenceScale(int k)
        {
            if (reference is null) return;
            var m = reference.Next();
            var scale = m.GetProperty("scale").GetInt32();
            if (scale != k) throw new InvalidOperationException($"the reference reported scale {scale}, expected {k}");
            referenceScales[k] = (m.GetProperty("seconds").GetDouble(), m.GetProperty("load").GetDouble(), m.GetProperty("height").GetInt64(), m.GetProperty("width").GetInt64());
            Console.Error.WriteLine($"  scale {k} reference: {referenceScales[k].Height}x{referenceScales[k].Width}: {referenceScales[k].Seconds:F1} s (load {referenceScales[k].Load:F1})");
        }
        var trainer = new SinGanTrainer(CPU)
        {
            ScalePhases = (k, p) => phases[k] = p,
            ScaleFinished = r =>
            {
                loads[r.Index] = ReferenceRun.LoadAverage();
                Console.Error.WriteLine($"  scale {r.Index} ours:      {r.Height}x{r.Width} width {r.NetworkWidth}: {r.Seconds:F1} s (load {loads[r.Index]:F1})");
                // Alternate: the reference trains the next scale before ours does.
                if (r.Index + 1 < scaleCount) ReferenceScale(r.Index + 1);
            },
        };
        Console.Error.WriteLine($"training {input.Name} ({input.Width}x{input.Height}), preset {preset}, {iterations} iterations per scale, {threads} threads"
            + (reference is null ? "; no reference run (pass --reference DIR for side-by-side ratios)" : "; the reference trains each scale just before ours"));
        ReferenceScale(0);
        var manifest = trainer.Train(new TrainingRequest(input, config, 1, modelDir));
        var timings = new List<ScaleTiming>();
        foreach (var s in manifest.Scales)
        {
            var r = referenceScales.TryGetValue(s.Index, out var rs) ? rs : ((double, double, long, long)?)null;
            if (r is { } check && (check.Item3 != s.Height || check.Item4 != s.Width))
                Console.Error.WriteLine($"  WARNING: scale {s.Index}: the reference trained {check.Item3}x{check.Item4}, ours {s.Height}x{s.Width}");
            timings.Add(new ScaleTiming(s.Index, s.Height, s.Width, s.NetworkWidth, s.Seconds,
                phases[s.Index].Totals.ToDictionary(kv => kv.Key, kv => kv.Value.TotalSeconds), loads.GetValueOrDefault(s.Index, double.NaN), r?.Item1, r?.Item2));
        }

        using var model = new ModelFolder(modelDir).LoadModel(CPU);
        var generator = new SampleGenerator(model);
        // Warm up once (first-call allocations, kernel selection), then time; the reference warmed up the same way.
        generator.Generate(generator.BatchSize, 99, Path.Combine(workDir, "warmup"));
        double? referenceRate = null;
        long? referencePeak = null;
        if (reference is not null)
        {
            var m = reference.Next();
            referenceRate = m.GetProperty("samples").GetInt32() / m.GetProperty("seconds").GetDouble();
            Console.Error.WriteLine($"  sampling reference: {referenceRate:F2} pairs/s (load {m.GetProperty("load").GetDouble():F1})");
            referencePeak = reference.Read().GetProperty("peak_rss_kib").GetInt64() * 1024;
        }
        var watch = Stopwatch.StartNew();
        generator.Generate(samples, 1, Path.Combine(workDir, "samples"));
        var rate = samples / watch.Elapsed.TotalSeconds;
        var samplingLoad = ReferenceRun.LoadAverage();
        Console.Error.WriteLine($"  sampling ours:      {rate:F2} pairs/s (load {samplingLoad:F1})");
        using var self = Process.GetCurrentProcess();
        return new EngineResult(Path.GetFileName(imagePath), preset, iterations, threads, timings, rate, samples,
            self.PeakWorkingSet64, DateTimeOffset.UtcNow, Machine(), referenceRate, referencePeak, samplingLoad);
    }

    /// <summary>The machine, for the record (<see cref="HostDescription"/>) and the OS.</summary>
    public static string Machine() => $"{HostDescription.Current}, {Environment.OSVersion}";
}
