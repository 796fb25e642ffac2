using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Bench;

/// <summary>
/// A candidate beyond issue 14's list, measured before building it: the training and sampling
/// targets ask for more than the measured convolution peak of these cores, and the one way to
/// need fewer multiplications for the same 3×3 convolution is Winograd's F(2×2, 3×3) (2.25×
/// fewer in the matrix products), which PyTorch's CPU convolution does not use. It is written
/// here from libtorch operations so that autograd derives its backward and double backward:
/// the input transform is a depthwise 4×4 stride-2 convolution with the 16 fixed kernels BᵀdB,
/// the products are one batched matrix multiply per tile position (16 of them), the output
/// transform is one matrix product with AᵀmA's 4×16 matrix followed by a reshuffle of the 2×2
/// tiles. Timed against libtorch's own convolution at the paper geometry's sizes, forward only
/// (sampling) and forward + backward (training), alternating round by round; the outputs must
/// agree to float32 rounding.
/// </summary>
public static class WinogradBenchmark
{
    public sealed record Row(int Channels, int Height, int Width,
        double DirectForwardMs, double WinogradForwardMs, double ProductsMs, double DirectTrainMs, double WinogradTrainMs, double MaxRelativeDiff);

    // F(2×2, 3×3) (Lavin & Gray 2016): Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A.
    private static readonly float[,] Bt = { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } };
    private static readonly float[,] G = { { 1, 0, 0 }, { 0.5f, 0.5f, 0.5f }, { 0.5f, -0.5f, 0.5f }, { 0, 0, 1 } };
    private static readonly float[,] At = { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } };

    /// <summary>A valid (unpadded) 3×3 stride-1 convolution of x [N, C, H+2, W+2] with weight [Co, C, 3, 3].</summary>
    public static Tensor Conv3x3(Tensor x, Tensor weight, Tensor inputKernels, Tensor gMatrix, Tensor outputMatrix)
    {
        long n = x.shape[0], co = weight.shape[0];
        var (h, w, th, tw) = Tiles(x);
        var (u, v) = Operands(x, weight, inputKernels, gMatrix);
        var m = bmm(u, v);                                                                        // [16, Co, P]
        var y = matmul(outputMatrix, m.view(16, co * n * th * tw))                               // [4, Co·P]
            .view(2, 2, co, n, th, tw).permute(3, 2, 4, 0, 5, 1).reshape(n, co, 2 * th, 2 * tw);
        return y[.., .., ..(int)h, ..(int)w];
    }

    /// <summary>The transformed weight [16, Co, C] and input [16, C, N·tiles].</summary>
    private static (Tensor U, Tensor V) Operands(Tensor x, Tensor weight, Tensor inputKernels, Tensor gMatrix)
    {
        long n = x.shape[0], c = x.shape[1], co = weight.shape[0];
        var (_, _, th, tw) = Tiles(x);
        // Tiles of 4×4 at stride 2 must cover the input: pad odd sizes by one row or column.
        var padded = F.pad(x, [0, 2 * tw + 2 - x.shape[3], 0, 2 * th + 2 - x.shape[2]]);
        var v = F.conv2d(padded, inputKernels.repeat(c, 1, 1, 1), strides: [2, 2], groups: c)    // [N, C·16, th, tw]
            .view(n, c, 16, th * tw).permute(2, 1, 0, 3).reshape(16, c, n * th * tw);
        var u = matmul(matmul(gMatrix, weight), gMatrix.t())                                     // [Co, C, 4, 4]
            .permute(2, 3, 0, 1).reshape(16, co, c);
        return (u, v);
    }

    /// <summary>The output's size and the 2×2 output tiles that cover it, for an input x [N, C, H+2, W+2].</summary>
    private static (long H, long W, long TilesH, long TilesW) Tiles(Tensor x)
    {
        long h = x.shape[2] - 2, w = x.shape[3] - 2;
        return (h, w, (h + 1) / 2, (w + 1) / 2);
    }

    /// <summary>The three fixed matrices, as tensors: BᵀdB as 16 depthwise 4×4 kernels, G, and AᵀmA as 4×16.</summary>
    public static (Tensor InputKernels, Tensor G, Tensor Output) Matrices()
    {
        var kernels = new float[16 * 16];
        var output = new float[4 * 16];
        for (var i = 0; i < 4; i++)
        for (var j = 0; j < 4; j++)
        for (var a = 0; a < 4; a++)
        for (var b = 0; b < 4; b++)
            kernels[(i * 4 + j) * 16 + a * 4 + b] = Bt[i, a] * Bt[j, b];
        for (var p = 0; p < 2; p++)
        for (var q = 0; q < 2; q++)
        for (var i = 0; i < 4; i++)
        for (var j = 0; j < 4; j++)
            output[(p * 2 + q) * 16 + i * 4 + j] = At[p, i] * At[q, j];
        var g = new float[12];
        for (var i = 0; i < 4; i++) for (var a = 0; a < 3; a++) g[i * 3 + a] = G[i, a];
        return (tensor(kernels).view(16, 1, 4, 4), tensor(g).view(4, 3), tensor(output).view(4, 16));
    }

    public static IReadOnlyList<Row> Run(IReadOnlyList<(int N, int H, int W)> shapes, int rounds)
    {
        Core.Native.TorchRuntime.EnsureLoaded();
        var rows = new List<Row>();
        foreach (var (n, h, w) in shapes)
        {
            using var scope = NewDisposeScope();
            var (kernels, g, output) = Matrices();
            var weight = (randn(n, n, 3, 3) * 0.05).requires_grad_(true);
            var x = randn(1, n, h + 2, w + 2).requires_grad_(true);
            Tensor Conv(bool winograd) => winograd ? Conv3x3(x, weight, kernels, g, output) : F.conv2d(x, weight);
            void Forward(bool winograd)
            {
                using var noGrad = no_grad();
                F.leaky_relu(Conv(winograd), 0.2);
            }
            void Train(bool winograd) => F.leaky_relu(Conv(winograd), 0.2).sum().backward();
            double diff;
            using (var check = NewDisposeScope())
            {
                using var noGrad = no_grad();
                var direct = F.conv2d(x, weight);
                diff = ((Conv3x3(x, weight, kernels, g, output) - direct).abs().max() / direct.abs().max()).item<float>();
            }
            // The products alone, on transformed operands made once: the part that does 2.25× fewer
            // multiplications. What the whole Winograd forward takes beyond it is the transforms.
            var (u, v) = Operands(x.detach(), weight.detach(), kernels, g);
            void Products(bool winograd)
            {
                using var noGrad = no_grad();
                if (winograd) bmm(u, v); else F.conv2d(x, weight);
            }
            var products = AlternatingRounds.MedianMs(Products, rounds);
            var forward = AlternatingRounds.MedianMs(Forward, rounds);
            var train = AlternatingRounds.MedianMs(Train, rounds);
            rows.Add(new Row(n, h, w, forward[false], forward[true], products[true], train[false], train[true], diff));
            Console.Error.WriteLine(FormattableString.Invariant(
                $"  {n}ch {h}×{w}: forward {forward[false]:F2} vs {forward[true]:F2} ms (products {products[true]:F2} ms), forward+backward {train[false]:F2} vs {train[true]:F2} ms, max rel diff {diff:G2}"));
        }
        return rows;
    }

    public static string Table(IReadOnlyList<Row> rows, int threads)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"Winograd F(2×2,3×3) from libtorch operations vs libtorch's convolution: N→N 3×3 + LeakyReLU, batch 1, {threads} torch threads; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; median of alternating rounds"));
        sb.AppendLine().AppendLine("| channels | size | forward: direct ms | Winograd ms | ratio | its products alone ms | forward + backward: direct ms | Winograd ms | ratio | max relative difference |")
            .AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
            sb.AppendLine(FormattableString.Invariant(
                $"| {r.Channels} | {r.Height}×{r.Width} | {r.DirectForwardMs:F2} | {r.WinogradForwardMs:F2} | {r.WinogradForwardMs / r.DirectForwardMs:F2} | {r.ProductsMs:F2} | {r.DirectTrainMs:F2} | {r.WinogradTrainMs:F2} | {r.WinogradTrainMs / r.DirectTrainMs:F2} | {r.MaxRelativeDiff:G2} |"));
        return sb.ToString();
    }
}
