using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Training;

/// <summary>
/// The reference's draw_concat: runs the finished coarser scales to produce the input of the
/// scale being trained — from fresh noise ('rand') or from the reconstruction noise ('rec').
/// Frozen generators run in eval mode, so this is deterministic given the noise.
/// </summary>
public sealed class CoarseScales(IReadOnlyList<FrozenScale> scales, IReadOnlyList<Tensor> reals, double scaleFactor, int padding, int channels)
{
    public int Count => scales.Count;

    /// <summary>The upsampled output of all finished scales, cropped to the next level's size (or <paramref name="start"/> when none are finished).</summary>
    public Tensor Draw(bool reconstruct, Tensor start, IRandomSource random, Device device)
    {
        if (scales.Count == 0) return start.alias();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var g = start;
        for (var k = 0; k < scales.Count; k++)
        {
            var (generator, zOpt, amp) = scales[k];
            Tensor z;
            if (reconstruct)
            {
                z = zOpt;
            }
            else
            {
                long h = zOpt.shape[2] - 2 * padding, w = zOpt.shape[3] - 2 * padding;
                // The coarsest scale draws one channel and repeats it (the reference's noise semantics).
                z = k == 0
                    ? random.Randn([1, 1, h, w], device).expand(1, channels, h, w)
                    : random.Randn([1, channels, h, w], device);
                z = Pad(z, padding);
            }
            g = Crop(g, reals[k].shape[2], reals[k].shape[3]);
            g = Pad(g, padding);
            var zIn = z.Times(amp).Plus(g);
            g = generator.call(zIn, g);
            g = MatlabResize.Resize(g, 1.0 / scaleFactor);
            g = Crop(g, reals[k + 1].shape[2], reals[k + 1].shape[3]);
        }
        return g.MoveToOuterDisposeScope();
    }

    public static Tensor Pad(Tensor x, long padding) =>
        padding == 0 ? x.alias() : F.pad(x, [padding, padding, padding, padding]);

    /// <summary>The top-left crop the reference uses (x[:, :, 0:h, 0:w]).</summary>
    public static Tensor Crop(Tensor x, long height, long width) =>
        x.shape[2] == height && x.shape[3] == width ? x.alias() : x[.., .., ..(int)Math.Min(height, x.shape[2]), ..(int)Math.Min(width, x.shape[3])];
}
