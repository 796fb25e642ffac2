using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Training;

/// <summary>
/// The reference's train_single_scale, step for step: the same forward calls in the same
/// order (BatchNorm running statistics depend on every one of them, including the unused
/// fixed-noise draw and the preview forward after the epoch), the same random draws, WGAN-GP
/// with one alpha per call and the norm over channels, the reconstruction loss, Adam and the
/// learning-rate drop. Runs synchronously; call it from a dedicated thread.
/// </summary>
public sealed class ScaleTrainer(SinGanConfig config, Device device, IRandomSource random)
{
    /// <summary>Called with ("G" or "D", output) after every forward of the networks being trained; for trace comparison.</summary>
    public Action<string, Tensor>? ForwardTap { get; init; }

    /// <summary>Called after each iteration with (iteration index, seconds since the scale started).</summary>
    public Action<int, double>? IterationDone { get; init; }

    /// <summary>When set, wall time is accumulated per phase (coarse scales, critic, generator, preview).</summary>
    public PhaseTimes? Phases { get; init; }

    public ScaleResult Train(
        SinGanGenerator g,
        SinGanDiscriminator d,
        Tensor real,
        CoarseScales coarse,
        Tensor inS,
        CancellationToken cancellation = default)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var channels = config.Channels;
        var pad = g.Shape.Padding;
        long nzx = real.shape[2], nzy = real.shape[3];
        var first = coarse.Count == 0;
        g.train();
        d.train();

        using var optimizerD = new HeldAdam(d.parameters(), config.LearningRateD, config.Beta1, 0.999);
        using var optimizerG = new HeldAdam(g.parameters(), config.LearningRateG, config.Beta1, 0.999);

        // Drawn and never used by the reference; drawn here too so the sequence of draws matches.
        random.Randn([1, channels, nzx, nzy], device).Dispose();

        var zOpt = zeros([1, channels, nzx + 2 * pad, nzy + 2 * pad], device: device);
        Tensor? prevFirst = null, zPrev = null;
        float noiseAmp = 1;
        Tensor? preview = null, lastFake = null;
        var reconstructionRmse = double.NaN;
        try
        {
            for (var epoch = 0; epoch < config.Iterations; epoch++)
            {
                cancellation.ThrowIfCancellationRequested();
                var lrScale = config.LearningRateFactor(epoch);
                optimizerD.LearningRate = config.LearningRateD * lrScale;
                optimizerG.LearningRate = config.LearningRateG * lrScale;

                using var scope = NewDisposeScope();
                Tensor noiseBase;
                if (first)
                {
                    var z = random.Randn([1, 1, nzx, nzy], device).expand(1, channels, nzx, nzy);
                    zOpt.Dispose();
                    zOpt = CoarseScales.Pad(z, pad).MoveToOuterDisposeScope();
                    noiseBase = CoarseScales.Pad(random.Randn([1, 1, nzx, nzy], device).expand(1, channels, nzx, nzy), pad);
                }
                else
                {
                    noiseBase = CoarseScales.Pad(random.Randn([1, channels, nzx, nzy], device), pad);
                }

                Tensor fake = null!, prev = null!, noise = null!;
                for (var j = 0; j < config.DiscriminatorSteps; j++)
                {
                    Phases?.Enter("critic");
                    d.zero_grad();
                    var outReal = Tap("D", d.call(real));
                    var errReal = outReal.mean().neg();
                    errReal.backward();

                    Phases?.Enter("coarse scales");
                    if (j == 0 && epoch == 0)
                    {
                        if (first)
                        {
                            prev = CoarseScales.Pad(inS, pad);
                            zPrev = CoarseScales.Pad(inS, pad).MoveToOuterDisposeScope();
                            noiseAmp = 1;
                        }
                        else
                        {
                            prev = CoarseScales.Pad(coarse.Draw(false, inS, random, device), pad);
                            var rec = coarse.Draw(true, inS, random, device);
                            using var rmse = F.mse_loss(real, rec).sqrt();
                            noiseAmp = rmse.Times(config.NoiseAmp).to(ScalarType.Float32).item<float>();
                            zPrev = CoarseScales.Pad(rec, pad).MoveToOuterDisposeScope();
                        }
                        prevFirst = prev.detach().MoveToOuterDisposeScope();
                    }
                    else
                    {
                        prev = first ? CoarseScales.Pad(inS, pad) : CoarseScales.Pad(coarse.Draw(false, inS, random, device), pad);
                    }

                    Phases?.Enter("critic");
                    noise = first ? noiseBase : noiseBase.Times(noiseAmp).Plus(prev);
                    // Only the last critic step's fake feeds the generator step; the earlier
                    // ones are used detached, so they need no autograd graph.
                    using (j < config.DiscriminatorSteps - 1 ? no_grad() : null)
                        fake = Tap("G", g.call(noise.detach(), prev));
                    var outFake = Tap("D", d.call(fake.detach()));
                    outFake.mean().backward();

                    GradientPenalty(d, real, fake).backward();
                    optimizerD.Step();
                }

                Phases?.Enter("generator");
                var paper = config.GeneratorUpdate == GeneratorUpdateMode.Paper;
                for (var j = 0; j < config.GeneratorSteps; j++)
                {
                    // As released, every pass starts with zero_grad and the step follows the
                    // loop, so only the last pass's gradient is used. The earlier passes still
                    // run their forwards (they move the BatchNorm running statistics exactly as
                    // the reference's do) but skip the backward passes nobody reads.
                    var used = paper || j == config.GeneratorSteps - 1;
                    using var gradMode = used ? null : no_grad();
                    g.zero_grad();
                    if (paper && j > 0)
                        fake = Tap("G", g.call(noise.detach(), prev));
                    var output = Tap("D", d.call(fake));
                    if (used) output.mean().neg().backward(retain_graph: true);
                    if (config.ReconstructionWeight != 0)
                    {
                        var zIn = zOpt.Times(noiseAmp).Plus(zPrev!);
                        var recLoss = F.mse_loss(Tap("G", g.call(zIn.detach(), zPrev!)), real).Times(config.ReconstructionWeight);
                        if (used) recLoss.backward(retain_graph: true);
                    }
                    if (paper) optimizerG.Step();
                }
                if (!paper) optimizerG.Step();

                Phases?.Stop();
                if (epoch % 500 == 0 || epoch == config.Iterations - 1)
                {
                    // The reference renders G(z_opt) here in train mode, which moves the
                    // BatchNorm running statistics; the preview is kept for the checkpoint.
                    using var _ = no_grad();
                    var zIn = zOpt.Times(noiseAmp).Plus(zPrev!);
                    var p = Tap("G", g.call(zIn, zPrev!));
                    preview?.Dispose();
                    lastFake?.Dispose();
                    preview = p.detach().MoveToOuterDisposeScope();
                    lastFake = fake.detach().MoveToOuterDisposeScope();
                    reconstructionRmse = F.mse_loss(p, real).sqrt().to(ScalarType.Float64).item<double>();
                }
                IterationDone?.Invoke(epoch, started.Elapsed.TotalSeconds);
            }
            return new ScaleResult(zOpt, noiseAmp, started.Elapsed.TotalSeconds, preview, lastFake, reconstructionRmse);
        }
        catch
        {
            zOpt.Dispose();
            preview?.Dispose();
            lastFake?.Dispose();
            throw;
        }
        finally
        {
            prevFirst?.Dispose();
            zPrev?.Dispose();
        }
    }

    private Tensor GradientPenalty(SinGanDiscriminator d, Tensor real, Tensor fake)
    {
        // One alpha for the whole image; the reference detaches the interpolate (Variable(...)),
        // so the penalty reaches the discriminator only.
        var alpha = random.Rand([1, 1], device).expand(real.shape);
        var interpolates = alpha.mul(real).Plus(alpha.neg().Plus(1).mul(fake)).detach().requires_grad_(true);
        var output = Tap("D", d.call(interpolates));
        var gradients = torch.autograd.grad([output], [interpolates], [ones_like(output)], retain_graph: true, create_graph: true)[0];
        return gradients.norm(1, keepdim: false, p: 2).Minus(1).Power(2).mean().Times(config.GradientPenaltyWeight);
    }

    private Tensor Tap(string kind, Tensor output)
    {
        ForwardTap?.Invoke(kind, output);
        return output;
    }
}
