using System.Diagnostics;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

public sealed record ScaleTiming(int Scale, int Height, int Width, int NetworkWidth, double Seconds, Dictionary<string, double> Phases);

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
    string Machine);

/// <summary>
/// The engine benchmark of issue 2: the first N iterations of every scale of the paper preset on
/// one 622×529 pair with a fixed number of torch threads, peak memory, and the sampling rate of
/// the resulting model (PNG writing included).
/// </summary>
public static class EngineBenchmark
{
    /// <summary>The original Python code (torch 1.13 CPU, 2 threads) on this machine kind: seconds for 50 iterations of scales 0–7, and images/s.</summary>
    public static readonly double[] ReferenceSeconds = [20, 11, 18, 24, 58, 100, 179, 298];
    public const double ReferenceSamplesPerSecond = 1.08;

    public static EngineResult Run(string imagePath, string maskPath, string preset, int iterations, int threads, int samples, string workDir)
    {
        TorchThreads.Configure(threads);
        var input = ImagePairLoader.Default.LoadPair(imagePath, maskPath);
        var config = Presets.Get(preset) with { Iterations = iterations };
        var modelDir = Path.Combine(workDir, "model");
        if (Directory.Exists(workDir)) Directory.Delete(workDir, recursive: true);
        var phases = new Dictionary<int, PhaseTimes>();
        var timings = new List<ScaleTiming>();
        var trainer = new SinGanTrainer(CPU)
        {
            ScalePhases = (k, p) => phases[k] = p,
            ScaleFinished = r => Console.Error.WriteLine($"  scale {r.Index}: {r.Height}x{r.Width} width {r.NetworkWidth}: {r.Seconds:F1} s"),
        };
        Console.Error.WriteLine($"training {input.Name} ({input.Width}x{input.Height}), preset {preset}, {iterations} iterations per scale, {threads} threads");
        var manifest = trainer.Train(new TrainingRequest(input, config, 1, modelDir));
        foreach (var s in manifest.Scales)
            timings.Add(new ScaleTiming(s.Index, s.Height, s.Width, s.NetworkWidth, s.Seconds,
                phases[s.Index].Totals.ToDictionary(kv => kv.Key, kv => kv.Value.TotalSeconds)));

        using var model = new ModelFolder(modelDir).LoadModel(CPU);
        var generator = new SampleGenerator(model);
        // Warm up once (first-call allocations, kernel selection), then time.
        generator.Generate(generator.BatchSize, 99, Path.Combine(workDir, "warmup"));
        var watch = Stopwatch.StartNew();
        generator.Generate(samples, 1, Path.Combine(workDir, "samples"));
        var rate = samples / watch.Elapsed.TotalSeconds;
        using var self = Process.GetCurrentProcess();
        return new EngineResult(Path.GetFileName(imagePath), preset, iterations, threads, timings, rate, samples,
            self.PeakWorkingSet64, DateTimeOffset.UtcNow, $"{Environment.ProcessorCount} cores, {Environment.OSVersion}");
    }
}
