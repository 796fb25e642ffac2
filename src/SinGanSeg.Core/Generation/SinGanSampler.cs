using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Generation;

/// <summary>
/// The reference's SinGAN_generate for random samples, batched: every scale runs once for the
/// whole batch instead of once per sample. Each sample draws its noise from its own source in
/// the reference's order (scale by scale), so passing one shared source for all samples
/// replays a recorded reference run, and per-sample seeded sources make sample k of a seed the
/// same whatever the batch size.
/// </summary>
public sealed class SinGanSampler(SinGanModel model)
{
    /// <summary>Called with (scale, output) after each scale's forward pass; for trace comparison.</summary>
    public Action<int, Tensor>? ScaleTap { get; init; }

    /// <summary>
    /// Largest activation (bytes) one generator call may produce; a scale's batch is split to
    /// stay under it. On the CPU, tensors above ~32 MB are fresh mmaps that page-fault on every
    /// use, which made batch 4 at the finest scale slower per sample than batch 1
    /// (docs/BENCHMARKS.md); smaller scales still run many samples per call. GPUs take the
    /// whole batch.
    /// </summary>
    public long ActivationBudgetBytes { get; init; } = model.Device.type == TorchSharp.DeviceType.CPU ? 32L << 20 : long.MaxValue;

    /// <summary>Generates one sample per source: [B, C, H, W] in the normalised space, before denormalisation.</summary>
    /// <param name="genStartScale">
    /// Scales below this reuse the reconstruction noise (the image stays close to the training
    /// image). Equal to the scale count, every scale uses its fixed noise Z_opt: the reference's
    /// reconstruction (SinGAN_generate with gen_start_scale = number of scales), the same for any seed.
    /// </param>
    public Tensor Sample(IReadOnlyList<IRandomSource> sources, int genStartScale = 0)
    {
        if (sources.Count == 0) throw new ArgumentException("at least one sample is needed");
        if (genStartScale < 0 || genStartScale > model.ScaleCount)
            throw new ArgumentOutOfRangeException(nameof(genStartScale), $"gen start scale {genStartScale} is outside 0..{model.ScaleCount} for model {model.Id} ({model.ScaleCount} = reconstruction)");
        using var _ = no_grad();
        Tensor? current = null;
        for (var n = 0; n < model.ScaleCount; n++)
        {
            var next = Step(n, current, sources, genStartScale);
            current?.Dispose();
            current = next;
            ScaleTap?.Invoke(n, current);
        }
        return current!;
    }

    /// <summary>
    /// One scale for the whole batch: draws each sample's noise, upsamples the previous scale's
    /// output (through the reference's uint8-truncating resize) and runs the generator.
    /// </summary>
    public Tensor Step(int n, Tensor? previousOutput, IReadOnlyList<IRandomSource> sources, int genStartScale)
    {
        var device = model.Device;
        var batch = sources.Count;
        var channels = model.Channels;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var g = model.Generators[n];
        var zOpt = model.ReconstructionNoise[n];
        var pad = g.Shape.Padding;
        long nzx = zOpt.shape[2] - 2 * pad, nzy = zOpt.shape[3] - 2 * pad;
        var noise = new Tensor[batch];
        for (var i = 0; i < batch; i++)
        {
            // The coarsest scale draws one channel and repeats it, as the reference does.
            noise[i] = n == 0
                ? sources[i].Randn([1, 1, nzx, nzy], device).expand(1, channels, nzx, nzy)
                : sources[i].Randn([1, channels, nzx, nzy], device);
        }
        var z = CoarseScales.Pad(cat(noise, 0), pad);

        Tensor previous;
        if (previousOutput is null)
        {
            var level0 = model.Levels[0];
            previous = zeros([batch, channels, level0.Height + 2L * pad, level0.Width + 2L * pad], device: device);
        }
        else
        {
            var level = model.Levels[n];
            previous = MatlabResize.Resize(previousOutput, 1.0 / model.ScaleFactor);
            previous = CoarseScales.Crop(previous, level.Height, level.Width);
            previous = CoarseScales.Pad(previous, pad);
            previous = CoarseScales.Crop(previous, z.shape[2], z.shape[3]);
            if (previous.shape[2] != z.shape[2] || previous.shape[3] != z.shape[3])
                previous = F.interpolate(previous, [z.shape[2], z.shape[3]], mode: InterpolationMode.Bilinear, align_corners: true);
        }
        // The noise above is still drawn, as the reference draws it before replacing it, so a
        // shared source stays in step with a recorded reference run.
        if (n < genStartScale) z = zOpt.expand(batch, -1, -1, -1);
        var zIn = z.Times(model.NoiseAmps[n]).Plus(previous);
        var perSample = (long)g.Shape.Width * z.shape[2] * z.shape[3] * zIn.ElementSize;
        var chunk = (int)Math.Clamp(ActivationBudgetBytes / Math.Max(1, perSample), 1, batch);
        if (chunk >= batch) return g.call(zIn, previous).MoveToOuterDisposeScope();
        var parts = new List<Tensor>();
        for (var start = 0; start < batch; start += chunk)
        {
            var len = Math.Min(chunk, batch - start);
            parts.Add(g.call(zIn.narrow(0, start, len), previous.narrow(0, start, len)));
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }
}
