using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Replays the reference's recorded one-epoch training traces: same initial weights, same
/// random draws; every forward output and every final weight and BatchNorm buffer must agree.
/// </summary>
public class TraceParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void Our_pyramid_equals_the_reference_models_reals()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var geometry = ReferenceModel.Geometry();
        Assert.Equal(ReferenceModel.Json.GetProperty("scale_factor").GetDouble(), geometry.ScaleFactor);
        var trainer = new SinGanTrainer(CPU);
        var ours = trainer.BuildPyramid(ReferenceModel.Input(), geometry);
        var theirs = (List<object?>)TorchArchive.Load(Path.Combine(ReferenceModel.Folder, "reals.pth"))!;
        try
        {
            Assert.Equal(theirs.Count, ours.Count);
            for (var i = 0; i < ours.Count; i++)
            {
                var t = (Tensor)theirs[i]!;
                Assert.Equal(t.shape, ours[i].shape);
                var diff = (ours[i] - t).abs().max().item<float>();
                Assert.True(diff <= 1e-6, $"level {i}: max |diff| {diff}");
            }
        }
        finally
        {
            foreach (var t in ours) t.Dispose();
            TorchArchive.DisposeTensors(theirs);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void One_epoch_reproduces_the_reference_trace(int scale)
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var trace = TorchArchive.LoadTensorDict(TestData.ReferenceFile($"epoch_trace_scale_{scale}.pth"));
        var config = ReferenceModel.EpochConfig;
        var geometry = ReferenceModel.Geometry();
        var reals = new SinGanTrainer(CPU).BuildPyramid(ReferenceModel.Input(), geometry);
        var shape = NetworkShape.ForScale(scale, 4, config.BaseWidth, config.BaseMinWidth, config.Layers, config.KernelSize);
        using var g = new SinGanGenerator(shape);
        using var d = new SinGanDiscriminator(shape);
        StateDictFile.LoadInto(g, Prefixed(trace, "G."), CPU, "trace G.*");
        StateDictFile.LoadInto(d, Prefixed(trace, "D."), CPU, "trace D.*");

        var frozen = new List<FrozenScale>();
        if (scale == 1)
        {
            // The previous scale is the reference model's trained scale 0.
            var g0 = new SinGanGenerator(NetworkShape.ForScale(0, 4, 32, 32, 5, 3));
            StateDictFile.LoadInto(g0, Path.Combine(ReferenceModel.Folder, "0", "netG.pth"), CPU);
            g0.eval();
            var z0 = (Tensor)TorchArchive.Load(Path.Combine(ReferenceModel.Folder, "0", "z_opt.pth"))!;
            frozen.Add(new FrozenScale(g0, z0, 1f));
        }
        var forwards = new List<(string Kind, Tensor Value)>();
        var random = new ReplayRandomSource(trace);
        var trainer = new ScaleTrainer(config, CPU, random) { ForwardTap = (k, t) => forwards.Add((k, t.detach().clone().DetachFromDisposeScope())) };
        using var inS = zeros(reals[0].shape);
        var coarse = new CoarseScales(frozen, reals, geometry.ScaleFactor, shape.Padding, 4);
        var result = trainer.Train(g, d, reals[scale], coarse, inS);
        try
        {
            Assert.Equal(random.Count, random.Used);
            var recorded = trace.Where(kv => kv.Key.StartsWith("fwd_", StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
            Assert.Equal(recorded.Select(r => r.Key[^1..]), forwards.Select(f => f.Kind));
            var failures = new List<string>();
            for (var i = 0; i < recorded.Count; i++)
                Check(recorded[i].Value, forwards[i].Value, recorded[i].Key, failures);
            Assert.Equal(trace["noise_amp"].item<float>(), result.NoiseAmp, 6);
            Check(trace["z_opt"], result.ReconstructionNoise, "z_opt", failures);
            // The generator steps once per epoch as released, the critic once per critic step.
            CompareFinal(trace, "final.G.", g.state_dict(), NoiseDrivenBound(config.LearningRateG, 1), failures);
            CompareFinal(trace, "final.D.", d.state_dict(), NoiseDrivenBound(config.LearningRateD, config.DiscriminatorSteps), failures);
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            foreach (var (_, t) in forwards) t.Dispose();
            foreach (var t in trace.Values) t.Dispose();
            foreach (var r in reals) r.Dispose();
            foreach (var f in frozen) { f.Generator.Dispose(); f.ReconstructionNoise.Dispose(); }
            result.ReconstructionNoise.Dispose();
            result.Preview?.Dispose();
            result.LastFake?.Dispose();
        }
    }

    /// <summary>
    /// Conv biases that feed a train-mode BatchNorm have a true gradient of exactly zero (the norm
    /// removes any per-channel shift; <see cref="BatchNormAbsorbsTheBiasGradient"/> shows it), so
    /// both implementations step on float rounding noise, and Adam's first steps
    /// (≈ lr·g/(|g|+eps)) turn noise of either sign into moves of up to lr. Each run moves such a
    /// bias at most lr per optimizer step, so two runs differ by at most 2·steps·lr; the norm's
    /// running mean follows the bias and obeys the same bound. Everything else must agree within 1e-4.
    /// </summary>
    private static Func<string, double> NoiseDrivenBound(double lr, int steps) => name =>
        name.EndsWith(".conv.bias", StringComparison.Ordinal) || name.EndsWith(".norm.running_mean", StringComparison.Ordinal)
            ? 2 * steps * lr * (1 + 1e-6)
            : Tolerance;

    private void CompareFinal(Dictionary<string, Tensor> trace, string prefix, Dictionary<string, Tensor> ours, Func<string, double> bound, List<string> failures)
    {
        var expected = Prefixed(trace, prefix);
        Assert.Equal(expected.Keys.Order(), ours.Keys.Order());
        foreach (var (name, value) in expected)
            Check(value, ours[name], prefix + name, failures, bound(name));
    }

    private void Check(Tensor expected, Tensor actual, string what, List<string> failures, double tolerance = Tolerance)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] vs reference [{string.Join(",", expected.shape)}]");
        using var diffs = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs();
        var diff = diffs.max().item<double>();
        var over = diffs.gt(Tolerance).sum().item<long>();
        output.WriteLine($"{what}: max |diff| {diff:E2}, {over} of {diffs.numel()} over {Tolerance}" + (tolerance > Tolerance ? $" (noise-driven, bound {tolerance:E2})" : ""));
        if (diff > tolerance) failures.Add($"{what}: max |diff| {diff:E2}, {over} of {diffs.numel()} elements over {tolerance:E2}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void BatchNormAbsorbsTheBiasGradient(int scale)
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        // In float64, on the trace's own first critic step: the conv biases before each
        // BatchNorm get a gradient of ~1e-16 while every weight gets ~1e-3 — the biases that
        // differ above are moved by rounding noise only.
        var trace = TorchArchive.LoadTensorDict(TestData.ReferenceFile($"epoch_trace_scale_{scale}.pth"));
        var reals = new SinGanTrainer(CPU).BuildPyramid(ReferenceModel.Input(), ReferenceModel.Geometry());
        try
        {
            using var d = new SinGanDiscriminator(NetworkShape.ForScale(scale, 4, 32, 32, 5, 3));
            StateDictFile.LoadInto(d, Prefixed(trace, "D."), CPU, "trace D.*");
            d.to(ScalarType.Float64);
            d.train();
            var loss = d.call(trace["fwd_001_G"].to(ScalarType.Float64)).mean() - d.call(reals[scale].to(ScalarType.Float64)).mean();
            loss.backward();
            foreach (var (name, p) in d.named_parameters())
            {
                var g = p.grad!.abs().max().item<double>();
                output.WriteLine($"D.{name}: max |grad| {g:E2}");
                if (name.EndsWith(".conv.bias", StringComparison.Ordinal)) Assert.True(g < 1e-12, $"D.{name}: gradient {g:E2} is not zero");
                else if (name.EndsWith("weight", StringComparison.Ordinal)) Assert.True(g > 1e-5, $"D.{name}: gradient {g:E2} unexpectedly vanishes");
            }
        }
        finally
        {
            foreach (var t in trace.Values) t.Dispose();
            foreach (var r in reals) r.Dispose();
        }
    }

    private static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> trace, string prefix) =>
        trace.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
