using System.Diagnostics;
using System.Globalization;
using System.Text;
using SinGanSeg.Core.Execution;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

/// <summary>Convolution FLOPs of one training iteration at a scale, split as issue 14 asks.</summary>
/// <param name="CriticGflop">The three critic steps' real and fake passes (forward + backward).</param>
/// <param name="PenaltyGflop">The three gradient penalties (forward, gradient with create_graph, and its double backward).</param>
/// <param name="GeneratorGflop">The generator's forwards in the critic steps plus the generator step.</param>
/// <param name="PeakGflops">Measured: one N→N 3×3 convolution of this scale's size, forward + backward, in a tight loop on the same threads.</param>
/// <param name="PeakForwardGflops">Measured: the same convolution, forward only without autograd (the sampling case).</param>
public sealed record ScaleFlops(int Scale, int Height, int Width, int NetworkWidth, double GeneratorForwardGflop, double CriticForwardGflop,
    double CriticGflop, double PenaltyGflop, double GeneratorGflop, double PeakGflops, double PeakForwardGflops)
{
    public double IterationGflop => CriticGflop + PenaltyGflop + GeneratorGflop;
}

/// <summary>
/// FLOPs per iteration from the network geometry, achieved GFLOPS of both sides from a saved
/// side-by-side engine run, and the measured peak of these cores for the same convolution shapes.
/// Only the convolutions are counted (2·Cin·Cout·k²·Hout·Wout per forward; BatchNorm and
/// LeakyReLU are elementwise and ≪ 1 %). The backward multiples are the usual ones: a forward F,
/// a backward with input and weight gradients 2F; the gradient penalty is a forward (F), the
/// input gradient with create_graph (F) and the backward through both graphs (≈ 4F) — an
/// estimate, stated as such, not a profiler count. Per iteration (reference generator update:
/// three critic steps, three generator passes of which only the last runs backward):
/// critic 3·(3F_D real + 3F_D fake), penalty 3·6F_D, generator 3F_G (critic steps' fakes) +
/// 3F_D + 3F_G (forwards) + 2F_D + 2F_G (adversarial backward into G) + 2F_G (reconstruction backward).
/// </summary>
public static class FlopsBenchmark
{
    const int Channels = 4;
    const int Kernel = 3;

    /// <summary>Forward convolution FLOPs of one network (head, three body blocks, tail) on an input of h×w; each unpadded conv trims one pixel a side.</summary>
    static double Forward(int h, int w, int n, int outChannels)
    {
        double Conv(int cin, int cout, int ho, int wo) => 2.0 * cin * cout * Kernel * Kernel * Math.Max(ho, 0) * Math.Max(wo, 0);
        return Conv(Channels, n, h - 2, w - 2) + Conv(n, n, h - 4, w - 4) + Conv(n, n, h - 6, w - 6) + Conv(n, n, h - 8, w - 8) + Conv(n, outChannels, h - 10, w - 10);
    }

    public static IReadOnlyList<ScaleFlops> Run(EngineResult engine, int threads)
    {
        TorchThreads.Configure(threads);
        var rows = new List<ScaleFlops>();
        foreach (var s in engine.Scales)
        {
            // The generator sees the 5-pixel padded input, the critic the unpadded image.
            var fg = Forward(s.Height + 10, s.Width + 10, s.NetworkWidth, Channels) / 1e9;
            var fd = Forward(s.Height, s.Width, s.NetworkWidth, 1) / 1e9;
            var critic = 3 * (3 * fd + 3 * fd);
            var penalty = 3 * 6 * fd;
            var generator = 3 * fg + 3 * fd + 3 * fg + 2 * fd + 2 * fg + 2 * fg;
            var (peak, peakForward) = MeasurePeak(s.NetworkWidth, s.Height, s.Width);
            Console.Error.WriteLine(FormattableString.Invariant($"  scale {s.Scale}: {critic + penalty + generator:F2} GFLOP per iteration; peak {peak:F1} GFLOPS (fwd+bwd), {peakForward:F1} (fwd)"));
            rows.Add(new ScaleFlops(s.Scale, s.Height, s.Width, s.NetworkWidth, fg, fd, critic, penalty, generator, peak, peakForward));
        }
        return rows;
    }

    /// <summary>GFLOPS of an N→N 3×3 convolution on an (H+2)×(W+2) input: forward + backward (3 forwards' worth), and forward alone without autograd.</summary>
    static (double Training, double Forward) MeasurePeak(int n, int h, int w)
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(n, n, Kernel);
        var x = randn(1, n, h + 2, w + 2).requires_grad_(true);
        var flop = 2.0 * n * n * Kernel * Kernel * h * w;
        double Time(Action step)
        {
            for (var i = 0; i < 3; i++) step();
            var reps = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < 1.5 || reps < 5)
            {
                step();
                reps++;
            }
            return watch.Elapsed.TotalSeconds / reps;
        }
        var training = Time(() =>
        {
            using var inner = NewDisposeScope();
            conv.zero_grad();
            conv.call(x).sum().backward();
        });
        double forward;
        using (no_grad())
            forward = Time(() =>
            {
                using var inner = NewDisposeScope();
                conv.call(x);
            });
        return (3 * flop / training / 1e9, flop / forward / 1e9);
    }

    /// <summary>GFLOPS of a 1024² single-precision matrix product: the cores' practical ceiling for dense arithmetic.</summary>
    public static double GemmPeak(int threads)
    {
        TorchThreads.Configure(threads);
        using var scope = NewDisposeScope();
        var a = randn(1024, 1024);
        var b = randn(1024, 1024);
        for (var i = 0; i < 3; i++) using (NewDisposeScope()) a.matmul(b);
        var reps = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < 2 || reps < 5)
        {
            using (NewDisposeScope()) a.matmul(b);
            reps++;
        }
        return 2.0 * 1024 * 1024 * 1024 * reps / watch.Elapsed.TotalSeconds / 1e9;
    }

    public static string Table(EngineResult engine, IReadOnlyList<ScaleFlops> rows, double gemm)
    {
        string F(double v, string f = "F1") => v.ToString(f, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"FLOPs and achieved GFLOPS of the side-by-side run above ({engine.MeasuredAt:yyyy-MM-dd HH:mm} UTC, {engine.Iterations} iterations per scale, {engine.Threads} threads); peaks measured by `bench flops` on the same machine right after it; 1024² matrix product: {F(gemm)} GFLOPS"));
        sb.AppendLine();
        sb.AppendLine("| scale | size | width | GFLOP per iteration (critic / penalty / generator) | reference GFLOPS | ours GFLOPS | conv peak fwd+bwd | ours / peak |");
        sb.AppendLine("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
        {
            var s = engine.Scales.First(x => x.Scale == r.Scale);
            var total = r.IterationGflop * engine.Iterations;
            var ours = total / s.Seconds;
            var reference = s.ReferenceSeconds is { } rs ? F(total / rs) : "missing";
            sb.AppendLine(FormattableString.Invariant($"| {r.Scale} | {r.Height}×{r.Width} | {r.NetworkWidth} | {F(r.IterationGflop, "F2")} ({F(r.CriticGflop, "F2")} / {F(r.PenaltyGflop, "F2")} / {F(r.GeneratorGflop, "F2")}) | {reference} | {F(ours)} | {F(r.PeakGflops)} | {F(100 * ours / r.PeakGflops, "F0")} % |"));
        }
        var perPair = rows.Sum(r => r.GeneratorForwardGflop);
        var lastPeak = rows[^1].PeakForwardGflops;
        sb.AppendLine();
        sb.AppendLine(FormattableString.Invariant($"- sampling: {F(perPair, "F2")} GFLOP of generator convolutions per pair (all {rows.Count} scales); ours {F(engine.SamplesPerSecond * perPair)} GFLOPS")
            + (engine.ReferenceSamplesPerSecond is { } rr ? FormattableString.Invariant($", reference {F(rr * perPair)} GFLOPS") : ", reference missing")
            + FormattableString.Invariant($"; forward-only conv peak at the finest scale {F(lastPeak)} GFLOPS (PNG writing and the coarse scales' small convolutions keep sampling well below it)"));
        sb.AppendLine("- the time columns include everything else an iteration does (noise draws, the coarser scales' frozen forwards, optimizer steps, elementwise ops), so achieved GFLOPS understate the convolutions' own rate");
        return sb.ToString();
    }
}
