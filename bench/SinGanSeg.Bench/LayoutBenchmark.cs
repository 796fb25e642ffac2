using static TorchSharp.torch;

namespace SinGanSeg.Bench;

/// <summary>
/// Issue 14's channels-last candidate, measured before building it: one training block's
/// convolution (N→N 3×3, forward + backward) at the paper geometry's sizes, in the default
/// NCHW layout and in channels-last. TorchSharp 0.107 has no memory_format argument, so the
/// channels-last tensors are made the way PyTorch defines them: NCHW shape with NHWC strides
/// (permute to NHWC, make contiguous, permute back); libtorch's convolution picks the layout from
/// the strides of the input and the weight. The two layouts alternate round by round so that a
/// change of machine load hits both; the result is the median per layout and the largest
/// difference between the two outputs (they must agree).
/// </summary>
public static class LayoutBenchmark
{
    public sealed record Row(int Channels, int Height, int Width, double NchwMs, double ChannelsLastMs, double MaxAbsDiff);

    public static IReadOnlyList<Row> Run(IReadOnlyList<(int N, int H, int W)> shapes, int rounds)
    {
        Core.Native.TorchRuntime.EnsureLoaded();
        var rows = new List<Row>();
        foreach (var (n, h, w) in shapes)
        {
            using var scope = NewDisposeScope();
            var weight = (randn(n, n, 3, 3) * 0.05).requires_grad_(true);
            var x = randn(1, n, h + 2, w + 2);
            var xCl = ChannelsLast(x).requires_grad_(true);
            x.requires_grad_(true);
            Tensor Step(bool channelsLast)
            {
                var input = channelsLast ? xCl : x;
                var wt = channelsLast ? ChannelsLast(weight) : weight;
                var y = nn.functional.leaky_relu(nn.functional.conv2d(input, wt), 0.2);
                y.sum().backward();
                return y;
            }
            double diff;
            using (var check = NewDisposeScope())
                diff = (Step(false) - Step(true)).abs().max().item<float>();
            var times = AlternatingRounds.MedianMs(layout => Step(layout), rounds);
            rows.Add(new Row(n, h, w, times[false], times[true], diff));
            Console.Error.WriteLine(FormattableString.Invariant($"  {n}ch {h}×{w}: NCHW {times[false]:F2} ms, channels-last {times[true]:F2} ms"));
        }
        return rows;
    }

    private static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    public static string Table(IReadOnlyList<Row> rows, int threads)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"channels-last vs NCHW: N→N 3×3 convolution + LeakyReLU, forward + backward (input and weight gradients), batch 1, {threads} torch threads; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; median of alternating rounds"));
        sb.AppendLine().AppendLine("| channels | size | NCHW ms | channels-last ms | channels-last / NCHW | max abs difference |").AppendLine("| ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
            sb.AppendLine(FormattableString.Invariant($"| {r.Channels} | {r.Height}×{r.Width} | {r.NchwMs:F2} | {r.ChannelsLastMs:F2} | {r.ChannelsLastMs / r.NchwMs:F2} | {r.MaxAbsDiff:G2} |"));
        return sb.ToString();
    }
}
