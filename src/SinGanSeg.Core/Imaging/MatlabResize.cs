using SinGanSeg.Core.Execution;
using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Imaging;

/// <summary>
/// The reference's resizer (Assaf Shocher's MATLAB-compatible imresize, as SinGAN uses it):
/// the [-1, 1] tensor goes to 0..255 and is truncated to uint8, resized in float64 with the
/// bicubic kernel (a = -0.5, antialiased when the height shrinks, output = ceil(in·scale)),
/// then divided by 255 and mapped back to [-1, 1] without re-quantising.
///
/// Each 1-D pass is a dense (out × in) weight matrix, so a whole batch resizes with two
/// float64 matmuls on the tensor's own device. The matrices reproduce two quirks of the
/// original: taps left of the image get weight 0 (numpy wraps their negative indices to
/// huge unsigned values, whose kernel value is 0) and the rest are renormalised, while taps
/// right of the image reflect.
/// </summary>
public static class MatlabResize
{
    private static readonly ConcurrentDictionary<(long In, long Out, double Scale, bool Antialias, string Device), Tensor> Matrices = new();

    /// <summary>Resizes [B, C, H, W] by one factor: output ceil(H·scale) × ceil(W·scale).</summary>
    public static Tensor Resize(Tensor x, double scale)
    {
        var (h, w) = (x.shape[2], x.shape[3]);
        return Apply(x, scale, scale, (long)Math.Ceiling(h * scale), (long)Math.Ceiling(w * scale));
    }

    /// <summary>Resizes [B, C, H, W] to an exact size, each dimension by its own factor out/in.</summary>
    public static Tensor ResizeToShape(Tensor x, long outHeight, long outWidth)
    {
        var (h, w) = (x.shape[2], x.shape[3]);
        return Apply(x, 1.0 * outHeight / h, 1.0 * outWidth / w, outHeight, outWidth);
    }

    /// <summary>The reference's torch2uint8: 255·denorm(x) in float32, truncated.</summary>
    public static Tensor ToUint8(Tensor x) =>
        x.Plus(1).Over(2).Clamped(0, 1).Times(255).to(ScalarType.Byte);

    private static Tensor Apply(Tensor x, double scaleH, double scaleW, long outH, long outW)
    {
        if (x.dim() != 4) throw new ArgumentException($"expected [B, C, H, W], got [{string.Join(", ", x.shape)}]");
        using var scope = NewDisposeScope();
        var image = ToUint8(x).to(ScalarType.Float64);
        // The original only antialiases when the first (height) factor shrinks, for both passes.
        var antialias = scaleH < 1;
        // numpy's argsort of the factors, ties kept in order: the smaller factor goes first.
        var heightFirst = scaleH <= scaleW;
        foreach (var dim in heightFirst ? new[] { 2, 3 } : [3, 2])
        {
            var scale = dim == 2 ? scaleH : scaleW;
            if (scale == 1.0) continue;
            var inLen = image.shape[dim];
            var outLen = dim == 2 ? outH : outW;
            var m = Matrix(inLen, outLen, scale, antialias, x.device);
            image = dim == 2 ? matmul(m, image) : matmul(image, m.t());
        }
        var result = image.Over(255).to(x.dtype).Minus(0.5).Times(2).Clamped(-1, 1);
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor Matrix(long inLen, long outLen, double scale, bool antialias, Device device) =>
        Matrices.GetOrAdd((inLen, outLen, scale, antialias, device.ToString()), key =>
        {
            var weights = Weights((int)key.In, (int)key.Out, key.Scale, key.Antialias);
            var t = tensor(weights, [key.Out, key.In], ScalarType.Float64).to(device);
            return t.DetachFromDisposeScope();
        });

    /// <summary>The (out × in) weights of one pass, row-major; public for tests against the formula.</summary>
    public static double[] Weights(int inLen, int outLen, double scale, bool antialias)
    {
        Func<double, double> kernel = antialias ? arg => scale * Cubic(scale * arg) : Cubic;
        var kernelWidth = 4.0;
        if (antialias) kernelWidth *= 1.0 / scale;
        var expanded = (int)Math.Ceiling(kernelWidth) + 2;
        var mirrorLen = 2L * inLen;
        var matrix = new double[outLen * inLen];
        var taps = new double[expanded];
        var index = new long[expanded];
        for (var i = 0; i < outLen; i++)
        {
            var match = 1.0 * (i + 1) / scale + 0.5 * (1 - 1.0 / scale);
            var left = Math.Floor(match - kernelWidth / 2);
            var sum = 0.0;
            for (var k = 0; k < expanded; k++)
            {
                var pos = left + k - 1;
                if (pos < 0)
                {
                    taps[k] = 0;
                    index[k] = -1;
                    continue;
                }
                taps[k] = kernel(match - pos - 1);
                var m = (long)pos % mirrorLen;
                index[k] = m < inLen ? m : mirrorLen - 1 - m;
                sum += taps[k];
            }
            if (sum == 0) sum = 1.0;
            for (var k = 0; k < expanded; k++)
                if (index[k] >= 0) matrix[i * inLen + index[k]] += taps[k] / sum;
        }
        return matrix;
    }

    private static double Cubic(double x)
    {
        var a = Math.Abs(x);
        var a2 = a * a;
        var a3 = a2 * a;
        return (1.5 * a3 - 2.5 * a2 + 1) * (a <= 1 ? 1 : 0)
             + (-0.5 * a3 + 2.5 * a2 - 4 * a + 2) * (1 < a && a <= 2 ? 1 : 0);
    }
}
