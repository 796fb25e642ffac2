using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orleans.Hosting;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Telemetry;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Bench;

public sealed record OrchestrationResult(
    int Images,
    double WallSeconds,
    double ComputeSeconds,
    double GrainCallsPerImage,
    double StateWritesPerImage,
    double ArtifactWritesPerImage,
    double ArtifactKilobytesPerImage,
    int AcceptedImages,
    double AcceptSeconds,
    double FanOutSeconds,
    long WorkingSetBeforeBytes,
    long WorkingSetAfterBytes,
    DateTimeOffset MeasuredAt,
    IReadOnlyDictionary<string, long> CallsByMethod);

/// <summary>
/// Orchestration overhead on the embedded default (issue 3): a job whose per-image work is
/// trivially small, so what is left of its wall time beyond the executor's compute is the
/// system's own cost; and how fast a 1000-image submission is accepted, with its memory.
/// </summary>
public static class OrchestrationBenchmark
{
    public static async Task<OrchestrationResult> Run(int images, int acceptImages, string workDir)
    {
        var data = Path.Combine(workDir, "data");
        var pairs = MakePairs(data, images);
        var calls = 0L;
        var byMethod = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var stateWrites = 0L;
        var artifactWrites = 0L;
        var artifactBytes = 0L;
        var computeTicks = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SinGanSegMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument == SinGanSegMetrics.GrainStateWrites) Interlocked.Add(ref stateWrites, value);
            else if (instrument == SinGanSegMetrics.ArtifactWrites) Interlocked.Add(ref artifactWrites, value);
            else if (instrument == SinGanSegMetrics.ArtifactBytes) Interlocked.Add(ref artifactBytes, value);
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument == SinGanSegMetrics.ComputeSeconds) Interlocked.Add(ref computeTicks, (long)(value * 1e6));
        });
        listener.Start();

        await using var silo = await EmbeddedSilo.StartAsync(Path.Combine(workDir, "state"), "cpu", 1, CancellationToken.None,
            configure: o => o with { ProgressInterval = TimeSpan.FromSeconds(2) },
            configureSilo: s => s.AddIncomingGrainCallFilter(context =>
            {
                Interlocked.Increment(ref calls);
                byMethod.AddOrUpdate($"{context.InterfaceName.Split('.')[^1]}.{context.MethodName}", 1, (_, n) => n + 1);
                return context.Invoke();
            }));
        var spec = new JobSpec("overhead", pairs, new TrainingOptions("tiny", MaxSize: 30, Iterations: 1), 1, 1);
        var job = silo.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
        var wall = Stopwatch.StartNew();
        await job.Submit(spec);
        JobStatus status;
        while (!(status = await job.GetStatus()).IsFinished) await Task.Delay(200);
        wall.Stop();
        if (status.Phase != JobPhase.Completed)
            throw new InvalidOperationException($"overhead job ended {status.Phase}: {string.Join("; ", status.Images.Where(i => i.Error is not null).Select(i => i.Error).Distinct().Take(3))}");
        var measuredCalls = Interlocked.Read(ref calls);
        var compute = Interlocked.Read(ref computeTicks) / 1e6;
        var methods = byMethod.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value);
        var (writes, objects, bytes) = (Interlocked.Read(ref stateWrites), Interlocked.Read(ref artifactWrites), Interlocked.Read(ref artifactBytes));

        // Acceptance of a large job: the submit call only stores the job; fan-out follows in the background.
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var before = self.WorkingSet64;
        var big = spec with { JobId = "accept", Images = [.. Enumerable.Range(0, acceptImages).Select(i => pairs[i % pairs.Count] with { Name = $"img{i:D5}" })] };
        var bigJob = silo.Client.GetGrain<IJobCoordinatorGrain>(big.JobId);
        var accept = Stopwatch.StartNew();
        await bigJob.Submit(big);
        accept.Stop();
        var fanOut = Stopwatch.StartNew();
        while ((await bigJob.GetStatus()).Images.Any(i => i.Phase == ImagePhase.Pending)) await Task.Delay(50);
        fanOut.Stop();
        self.Refresh();
        var after = self.WorkingSet64;
        await bigJob.Cancel();

        return new OrchestrationResult(images, wall.Elapsed.TotalSeconds, compute,
            (double)measuredCalls / images, (double)writes / images, (double)objects / images, bytes / 1024.0 / images,
            acceptImages, accept.Elapsed.TotalSeconds, fanOut.Elapsed.TotalSeconds, before, after, DateTimeOffset.UtcNow, methods);
    }

    /// <summary>Small synthetic pairs (64×64 texture, a disc as the mask): enough to exercise the pipeline, not the GPU.</summary>
    private static List<ImageInput> MakePairs(string dir, int count)
    {
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        var random = new Random(7);
        var result = new List<ImageInput>();
        for (var i = 0; i < count; i++)
        {
            var (image, mask) = (Path.Combine(dir, "images", $"p{i:D4}.png"), Path.Combine(dir, "masks", $"p{i:D4}.png"));
            using (var img = new Image<Rgb24>(64, 64))
            {
                for (var y = 0; y < 64; y++)
                    for (var x = 0; x < 64; x++)
                        img[x, y] = new Rgb24((byte)(120 + random.Next(100)), (byte)(40 + random.Next(60)), (byte)(30 + random.Next(40)));
                img.SaveAsPng(image);
            }
            using (var m = new Image<L8>(64, 64))
            {
                var (cx, cy, r) = (20 + random.Next(24), 20 + random.Next(24), 6 + random.Next(8));
                for (var y = 0; y < 64; y++)
                    for (var x = 0; x < 64; x++)
                        m[x, y] = new L8((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r ? (byte)255 : (byte)0);
                m.SaveAsPng(mask);
            }
            result.Add(new ImageInput($"p{i:D4}", new Uri(image).AbsoluteUri, new Uri(mask).AbsoluteUri));
        }
        return result;
    }
}
