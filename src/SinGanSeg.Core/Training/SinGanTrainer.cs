using SinGanSeg.Core.Execution;
using TorchSharp;
using System.Diagnostics;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Native;
using SinGanSeg.Core.Pyramid;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Training;

/// <summary>
/// Trains a whole SinGAN-Seg model scale by scale (the reference's train()), checkpointing
/// after every scale. Started again on the same folder it resumes after the last finished
/// scale, restoring the random generator's state, so an interrupted run ends bit-for-bit where
/// an uninterrupted one would (same device and thread count). Synchronous: run it on a
/// dedicated thread.
/// </summary>
public sealed class SinGanTrainer(Device device)
{
    public Action<TrainingProgress>? Progress { get; init; }
    public Action<ScaleRecord>? ScaleFinished { get; init; }

    /// <summary>When set, receives each scale's per-phase wall times (for the benchmark).</summary>
    public Action<int, PhaseTimes>? ScalePhases { get; init; }

    /// <summary>How often progress is reported at most.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <param name="cancellation">Stops at once (mid-scale work is lost; resume starts that scale again).</param>
    /// <param name="stopBetweenScales">
    /// Stops before the next scale starts, so the one in progress is finished and checkpointed
    /// first: how a draining silo hands work over without losing it.
    /// </param>
    public ModelManifest Train(TrainingRequest request, CancellationToken cancellation = default, CancellationToken stopBetweenScales = default)
    {
        TorchRuntime.EnsureLoaded();
        var config = request.Config.Validated();
        var input = request.Input;
        var geometry = PyramidGeometry.Compute(input.Height, input.Width, config.MinSize, config.MaxSize, config.ScaleFactor, input.Name);
        var folder = new ModelFolder(request.OutputDirectory);
        var manifest = OpenOrCreate(folder, request, config, geometry);
        if (manifest.Complete) return manifest;

        // Modules are built outside dispose scopes (their parameters must outlive them); the
        // tensors here are owned explicitly and released in finally.
        var reals = BuildPyramid(input, geometry);
        var frozen = new List<FrozenScale>();
        using var random = new SeededRandomSource(request.Seed);
        SinGanDiscriminator? previousD = null;
        SinGanGenerator? previousG = null;
        Tensor? inS = null;
        try
        {
            foreach (var s in manifest.Scales.OrderBy(s => s.Index))
            {
                var (g, d, z, state) = folder.LoadScale(manifest, s.Index, device);
                Freeze(g);
                frozen.Add(new FrozenScale(g, z, s.NoiseAmp));
                previousD?.Dispose();
                previousD = d;
                previousG = g;
                random.SetState(state);
            }
            inS = zeros(reals[0].shape, device: device);
            var totalScales = geometry.ScaleCount;
            for (var scale = frozen.Count; scale < totalScales; scale++)
            {
                cancellation.ThrowIfCancellationRequested();
                stopBetweenScales.ThrowIfCancellationRequested();
                var shape = ModelFolder.ShapeOf(manifest, scale);
                var (g, d) = GlobalRandom.Draw(() => (new SinGanGenerator(shape), new SinGanDiscriminator(shape)));
                g.to(device);
                d.to(device);
                WeightInit.Apply(g, random.Generator);
                WeightInit.Apply(d, random.Generator);
                if (previousG is not null && previousD is not null && previousG.Shape == shape)
                {
                    // Warm start, as the reference does when the width did not change.
                    StateDictFile.LoadInto(g, previousG.state_dict(), device, $"scale {scale - 1}");
                    StateDictFile.LoadInto(d, previousD.state_dict(), device, $"scale {scale - 1}");
                }
                var coarse = new CoarseScales(frozen, reals, geometry.ScaleFactor, shape.Padding, config.Channels);
                var report = new ProgressReporter(this, geometry, config, scale, frozen.Count);
                var phases = ScalePhases is null ? null : new PhaseTimes();
                var trainer = new ScaleTrainer(config, device, random) { IterationDone = report.IterationDone, Phases = phases };
                ScaleResult result;
                try
                {
                    result = trainer.Train(g, d, reals[scale], coarse, inS, cancellation);
                }
                catch
                {
                    g.Dispose();
                    d.Dispose();
                    throw;
                }
                Freeze(g);
                d.eval();
                var record = new ScaleRecord(scale, geometry.Levels[scale].Height, geometry.Levels[scale].Width, shape.Width,
                    result.NoiseAmp, config.Iterations, result.Seconds, DateTimeOffset.UtcNow, result.ReconstructionRmse);
                manifest = folder.SaveScale(manifest, record, g, d, result.ReconstructionNoise, random.GetState(), result.Preview, result.LastFake);
                result.Preview?.Dispose();
                result.LastFake?.Dispose();
                frozen.Add(new FrozenScale(g, result.ReconstructionNoise, result.NoiseAmp));
                previousD?.Dispose();
                previousD = d;
                previousG = g;
                ScaleFinished?.Invoke(record);
                if (phases is not null) ScalePhases!(scale, phases);
            }
            return manifest;
        }
        finally
        {
            inS?.Dispose();
            foreach (var r in reals) r.Dispose();
            previousD?.Dispose();
            foreach (var f in frozen)
            {
                f.Generator.Dispose();
                f.ReconstructionNoise.Dispose();
            }
        }
    }

    /// <summary>The reference's pyramid: resize to max size, then each level from that, all through the uint8-truncating resizer.</summary>
    public List<Tensor> BuildPyramid(ImagePair input, PyramidGeometry geometry)
    {
        using var full = TensorImage.ToTensor(input, device);
        using var real = MatlabResize.Resize(full, geometry.Scale1);
        var reals = new List<Tensor>(geometry.ScaleCount);
        for (var i = 0; i < geometry.ScaleCount; i++)
        {
            var level = MatlabResize.Resize(real, Math.Pow(geometry.ScaleFactor, geometry.StopScale - i));
            var expected = geometry.Levels[i];
            if (level.shape[2] != expected.Height || level.shape[3] != expected.Width)
                throw new InvalidOperationException($"pyramid level {i} is {level.shape[2]}x{level.shape[3]}, geometry says {expected.Height}x{expected.Width}");
            reals.Add(level);
        }
        return reals;
    }

    private static ModelManifest OpenOrCreate(ModelFolder folder, TrainingRequest request, SinGanConfig config, PyramidGeometry geometry)
    {
        var hash = request.Input.ContentHash();
        var existing = folder.TryReadManifest();
        if (existing is not null)
        {
            if (existing.Input.Sha256 != hash || existing.Config != config || existing.Seed != request.Seed)
                throw new InvalidOperationException(
                    $"{folder.Path} already holds a model trained from other input, options or seed ({existing.Input.Name}, seed {existing.Seed}); " +
                    "choose another output folder or delete this one.");
            folder.RemoveUnlisted(existing);
            return existing;
        }
        var now = DateTimeOffset.UtcNow;
        var manifest = new ModelManifest
        {
            ModelId = request.ModelId ?? request.Input.Name,
            Input = new InputInfo(request.Input.Name, hash, request.Input.Height, request.Input.Width, request.Input.ForegroundFraction),
            Config = config,
            Seed = request.Seed,
            Geometry = geometry,
            Engine = $"SinGanSeg.Core {typeof(SinGanTrainer).Assembly.GetName().Version}, libtorch {TorchRuntime.EnsureLoaded()}",
            CreatedAt = now,
            UpdatedAt = now,
        };
        Directory.CreateDirectory(folder.Path);
        folder.RemoveUnlisted(manifest);
        folder.WriteInput(request.Input);
        folder.WriteManifest(manifest);
        return manifest;
    }

    private static void Freeze(SinGanGenerator g)
    {
        g.eval();
        foreach (var p in g.parameters()) p.requires_grad_(false);
    }

    /// <summary>Turns per-iteration callbacks into throttled progress with a rate and an ETA.</summary>
    private sealed class ProgressReporter(SinGanTrainer owner, PyramidGeometry geometry, SinGanConfig config, int scale, int completed)
    {
        private readonly Stopwatch _sinceReport = Stopwatch.StartNew();

        public void IterationDone(int iteration, double seconds)
        {
            var last = iteration == config.Iterations - 1;
            if (owner.Progress is null || (!last && _sinceReport.Elapsed < owner.ProgressInterval)) return;
            _sinceReport.Restart();
            var done = iteration + 1;
            var rate = done / Math.Max(seconds, 1e-9);
            var scaleEta = TimeSpan.FromSeconds((config.Iterations - done) / rate);
            // Later scales cost roughly in proportion to pixel count × network width (measured on
            // the paper preset; a width² model overestimates badly, see docs/BENCHMARKS.md).
            var current = Cost(scale);
            var rest = Enumerable.Range(scale + 1, geometry.ScaleCount - scale - 1).Sum(k => Cost(k) / current * config.Iterations / rate);
            owner.Progress(new TrainingProgress(scale, geometry.ScaleCount, done, config.Iterations, rate, scaleEta, scaleEta + TimeSpan.FromSeconds(rest), completed));
        }

        private double Cost(int k)
        {
            var level = geometry.Levels[k];
            var width = NetworkShape.ForScale(k, config.Channels, config.BaseWidth, config.BaseMinWidth, config.Layers, config.KernelSize).Width;
            return (double)level.Height * level.Width * width;
        }
    }
}
