using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

/// <summary>One way of spending the cores on a dataset: <paramref name="Slots"/> trainings at once, <paramref name="Threads"/> torch threads each.</summary>
/// <param name="PerProcess">True for the row that trains each image in its own process, as the reference does: its peak is one training's.</param>
public sealed record ThroughputRun(string Side, int Slots, int Threads, int Images, double Seconds, long PeakMemoryBytes, double Load, bool PerProcess = false)
{
    public double ImagesPerHour(int iterations, int presetIterations) => Images * 3600.0 / (Seconds * presetIterations / iterations);
}

public sealed record ThroughputResult(string Preset, int Iterations, int PresetIterations, IReadOnlyList<string> ImageNames, IReadOnlyList<ThroughputRun> Runs, DateTimeOffset MeasuredAt, string Machine);

/// <summary>
/// Dataset throughput, the figure that matters for mass generation (issue 14): N images trained
/// to a preset's geometry, the reference one after another (its only mode), ours with each
/// slots × threads split of the cores. Every side runs in its own process, so each peak RSS is
/// its own. Iterations per scale are cut to <c>--iterations</c> to fit a session; the per-scale
/// cost is the same every iteration (the schedule only changes the learning rate), so images per
/// hour at the preset's full iteration count are scaled from it linearly, and say so.
/// </summary>
public static class ThroughputBenchmark
{
    public static ThroughputResult Run(string dataDir, int images, string preset, int iterations, string? referenceDir, IReadOnlyList<(int Slots, int Threads)> splits, bool perTraining = false)
    {
        var names = Directory.GetFiles(Path.Combine(dataDir, "images")).Order(StringComparer.Ordinal).Take(images).ToList();
        var config = Presets.Get(preset);
        var runs = new List<ThroughputRun>();
        if (referenceDir is not null)
        {
            // One after another, each a fresh process, as a user of the reference would run it.
            var seconds = 0.0;
            long peak = 0;
            var load = 0.0;
            foreach (var image in names)
            {
                var m = ReferenceRun.TrainWhole(referenceDir, image, Path.Combine(dataDir, "masks", Path.GetFileName(image)), iterations, config.MaxSize, config.MinSize);
                seconds += m.Seconds;
                peak = Math.Max(peak, m.PeakRssBytes);
                load = Math.Max(load, m.Load);
                Console.Error.WriteLine(FormattableString.Invariant($"  reference {Path.GetFileName(image)}: {m.Seconds:F1} s, peak {m.PeakRssBytes >> 20} MiB (load {m.Load:F1})"));
            }
            runs.Add(new ThroughputRun("reference", 1, Environment.ProcessorCount, names.Count, seconds, peak, load));
        }
        else
        {
            Console.Error.WriteLine("  no reference run (pass --reference DIR): the reference row is missing, no ratio is printed");
        }
        ThroughputRun Child(int slots, int threads, int? only)
        {
            var self = Environment.ProcessPath!;
            var start = new ProcessStartInfo(self) { RedirectStandardOutput = true };
            SinGanSeg.Core.Native.NativeRelaunch.PrepareChild(start);
            // Started as 'dotnet singanseg-bench.dll' the process is the host: the child needs the assembly too.
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
            foreach (var a in new[] { "throughput-one", "--data", dataDir, "--images", images.ToString(CultureInfo.InvariantCulture), "--preset", preset,
                         "--iterations", iterations.ToString(CultureInfo.InvariantCulture), "--slots", slots.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(a);
            if (only is { } o)
            {
                start.ArgumentList.Add("--only");
                start.ArgumentList.Add(o.ToString(CultureInfo.InvariantCulture));
            }
            using var child = Process.Start(start)!;
            var output = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            if (child.ExitCode != 0) throw new InvalidOperationException($"throughput run {slots}x{threads} failed ({child.ExitCode})");
            var line = output.Split('\n').Last(l => l.StartsWith('{'));
            return JsonSerializer.Deserialize<ThroughputRun>(line, Report.Json)!;
        }
        foreach (var (slots, threads) in splits)
        {
            var run = Child(slots, threads, null);
            Console.Error.WriteLine(FormattableString.Invariant($"  ours {slots}×{threads}: {run.Seconds:F1} s, peak {run.PeakMemoryBytes >> 20} MiB (load {run.Load:F1})"));
            runs.Add(run);
        }
        if (perTraining)
        {
            // The reference's peak is one training's (a process per image); a process that trains
            // several keeps its heap's high-water mark across them. This row measures ours the
            // same way as the reference, so the two peaks compare one training with one training.
            var each = Enumerable.Range(0, names.Count).Select(i => Child(1, Environment.ProcessorCount, i)).ToList();
            var row = new ThroughputRun("ours", 1, Environment.ProcessorCount, names.Count, each.Sum(r => r.Seconds), each.Max(r => r.PeakMemoryBytes), each.Max(r => r.Load), PerProcess: true);
            Console.Error.WriteLine(FormattableString.Invariant($"  ours, a process per image: {row.Seconds:F1} s, peak {row.PeakMemoryBytes >> 20} MiB (load {row.Load:F1})"));
            runs.Add(row);
        }
        return new ThroughputResult(preset, iterations, config.Iterations, names.Select(Path.GetFileName).ToList()!, runs, DateTimeOffset.UtcNow, EngineBenchmark.Machine());
    }

    /// <summary>The child process: trains the images with <paramref name="slots"/> dedicated threads pulling from one queue.</summary>
    public static ThroughputRun RunOurs(string dataDir, int images, string preset, int iterations, int slots, int threads, int? only = null)
    {
        TorchThreads.Configure(threads);
        var names = Directory.GetFiles(Path.Combine(dataDir, "images")).Order(StringComparer.Ordinal).Take(images).ToList();
        if (only is { } index) names = [names[index]];
        var config = Presets.Get(preset) with { Iterations = iterations };
        var pairs = names.Select(n => ImagePairLoader.Default.LoadPair(n, Path.Combine(dataDir, "masks", Path.GetFileName(n)))).ToList();
        var work = Path.Combine(Path.GetTempPath(), $"singanseg-bench-throughput-{Environment.ProcessId}");
        var next = -1;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, slots).Select(s => DedicatedThread.Run($"slot-{s}", () =>
        {
            for (var i = Interlocked.Increment(ref next); i < pairs.Count; i = Interlocked.Increment(ref next))
                new SinGanTrainer(CPU).Train(new TrainingRequest(pairs[i], config, 1, Path.Combine(work, i.ToString(CultureInfo.InvariantCulture))));
            return 0;
        })).ToArray();
        Task.WaitAll(workers);
        var seconds = watch.Elapsed.TotalSeconds;
        var load = ReferenceRun.LoadAverage();
        Directory.Delete(work, recursive: true);
        using var process = Process.GetCurrentProcess();
        return new ThroughputRun("ours", slots, threads, pairs.Count, seconds, process.PeakWorkingSet64, load);
    }

    public static string Table(ThroughputResult r)
    {
        string F(double v, string f = "F1") => v.ToString(f, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"throughput: {r.ImageNames.Count} Kvasir-SEG pairs ({string.Join(", ", r.ImageNames)}), preset {r.Preset} geometry, first {r.Iterations} of its {r.PresetIterations} iterations per scale; images per hour scaled linearly to {r.PresetIterations}; {r.MeasuredAt:yyyy-MM-dd HH:mm} UTC; {r.Machine}; every row ran in this invocation, one after another"));
        sb.AppendLine();
        var reference = r.Runs.FirstOrDefault(x => x.Side == "reference");
        sb.AppendLine("| side | slots × threads | wall s | images per hour at the preset | vs reference (target ≥ 2.5×) | peak RSS (process) | load (max) |");
        sb.AppendLine("| --- | --- | ---: | ---: | --- | ---: | ---: |");
        foreach (var run in r.Runs)
        {
            var perHour = run.ImagesPerHour(r.Iterations, r.PresetIterations);
            var vs = reference is null ? "reference missing" : run == reference ? "–" : $"{F(perHour / reference.ImagesPerHour(r.Iterations, r.PresetIterations), "F2")}× ({(perHour / reference.ImagesPerHour(r.Iterations, r.PresetIterations) >= 2.5 ? "met" : "MISSED")})";
            var split = run.Side == "reference" ? "one after another, 2 threads" : run.PerProcess ? $"one after another, a process each, {run.Threads} threads" : $"{run.Slots} × {run.Threads}";
            sb.AppendLine(FormattableString.Invariant($"| {run.Side} | {split} | {F(run.Seconds)} | {F(perHour, "F2")} | {vs} | {run.PeakMemoryBytes >> 20} MiB | {F(run.Load)} |"));
        }
        return sb.ToString();
    }
}
