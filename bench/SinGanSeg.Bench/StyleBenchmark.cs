using System.Diagnostics;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Features;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Style;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Bench;

public sealed record StyleTiming(string Configuration, string Network, int Batch, double StepsPerSecond, double SampleStepsPerSecond, long PeakMemoryBytes, double Load = double.NaN);

public sealed record StyleResult(int Height, int Width, int Threads, int Steps, IReadOnlyList<StyleTiming> Timings, DateTimeOffset MeasuredAt, string Machine,
    double? ReferenceStepsPerSecond = null, double ReferenceLoad = double.NaN);

/// <summary>
/// Issue 4's style-transfer benchmark: optimisation steps per second on a 250×213 sample on the
/// CPU. "reference-like" runs all 31 VGG16 layers for one sample, as the reference does; ours
/// stops at the deepest layer it needs and optimises a model's samples together. Speed does not
/// depend on the weights' values, so VGG runs with its initial weights (no file needed).
/// </summary>
public static class StyleBenchmark
{
    /// <summary>
    /// Each configuration runs in its own process so that its peak resident memory is its own
    /// (the allocator keeps freed memory, and Linux's high-water mark cannot be reset here).
    /// </summary>
    public static StyleResult Run(string imagePath, int threads, int steps, IReadOnlyList<int> batches, string? referenceDir = null)
    {
        double? referenceRate = null;
        var referenceLoad = double.NaN;
        if (referenceDir is not null)
        {
            // The reference first, on the same 250×213 image, then ours.
            var input = Path.Combine(Path.GetTempPath(), $"singanseg-bench-style-{Environment.ProcessId}.png");
            var small = Resize(ImagePairLoader.Default.LoadRgb(imagePath), 213, 250);
            using (var png = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.Rgb24>(small.Rgb, small.Width, small.Height))
                SixLabors.ImageSharp.ImageExtensions.SaveAsPng(png, input);
            try
            {
                var m = ReferenceRun.Style(referenceDir, input, steps, threads);
                referenceRate = m.GetProperty("steps").GetInt32() / m.GetProperty("seconds").GetDouble();
                referenceLoad = m.GetProperty("load").GetDouble();
                Console.Error.WriteLine(FormattableString.Invariant($"  reference VGG16: {referenceRate:F2} steps/s (load {referenceLoad:F1})"));
            }
            finally
            {
                File.Delete(input);
            }
        }
        var configs = new List<(string Network, string Mode, int Batch, int Steps)> { ("vgg16", "full", 1, steps) };
        configs.AddRange(batches.Select(b => ("vgg16", "ours", b, steps)));
        configs.AddRange(batches.Select(b => ("resnet18", "ours", b, steps * 3)));
        var timings = new List<StyleTiming>();
        foreach (var (network, mode, batch, n) in configs)
        {
            // Through the apphost, GetCommandLineArgs()[0] is the .dll: only 'dotnet' needs it as an argument.
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(StyleBenchmark).Assembly.Location);
            SinGanSeg.Core.Native.NativeRelaunch.PrepareChild(start);
            foreach (var a in new[] { "style-one", "--network", network, "--mode", mode, "--batch", $"{batch}", "--steps", $"{n}", "--threads", $"{threads}", "--image", imagePath })
                start.ArgumentList.Add(a);
            using var child = Process.Start(start)!;
            var output = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            if (child.ExitCode != 0) throw new InvalidOperationException($"style benchmark {network}/{mode}/{batch} failed ({child.ExitCode})");
            timings.Add(System.Text.Json.JsonSerializer.Deserialize<StyleTiming>(output.Trim().Split('\n')[^1], Report.Json)! with { Load = ReferenceRun.LoadAverage() });
        }
        return new StyleResult(213, 250, threads, steps, timings, DateTimeOffset.UtcNow, EngineBenchmark.Machine(), referenceRate, referenceLoad);
    }

    /// <summary>One configuration, in this process; prints its timing as one JSON line.</summary>
    public static StyleTiming RunOne(string imagePath, string networkName, string mode, int batch, int steps, int threads)
    {
        TorchThreads.Configure(threads);
        var real = Resize(ImagePairLoader.Default.LoadRgb(imagePath), 213, 250);
        if (networkName == "vgg16")
        {
            using var vgg = new Vgg(VggKind.Vgg16);
            return mode == "full"
                ? Measure("reference-like: all 31 layers", new FullDepthVgg(vgg), batch, real, steps)
                : Measure("ours: stop at layer 29", new VggStyleNetwork(vgg), batch, real, steps);
        }
        using var resnet = ResNetStyleNetwork.Bundled(CPU);
        return Measure("ours", resnet, batch, real, steps);
    }

    private static StyleTiming Measure(string label, IStyleNetwork network, int batch, RgbImage real, int steps)
    {
        using var scope = NewDisposeScope();
        var content = ImageNetNormalization.Normalize(cat(Enumerable.Repeat(real.ToTensor01(CPU), batch).ToArray(), 0));
        var style = ImageNetNormalization.Normalize(real.ToTensor01(CPU));
        using var optimisation = new StyleOptimization(network, content, style, new StyleTransferConfig { Steps = steps + 2, MaxBatch = batch });
        optimisation.StepOnce();
        optimisation.StepOnce();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) optimisation.StepOnce();
        var rate = steps / watch.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"  {network.Name} {label}, batch {batch}: {rate:F2} steps/s, {rate * batch:F2} sample-steps/s");
        return new StyleTiming(label, network.Name, batch, rate, rate * batch, NativeMemoryPeak.Read());
    }

    private static RgbImage Resize(RgbImage image, int h, int w)
    {
        using var scope = NewDisposeScope();
        var t = nn.functional.interpolate(image.ToTensor01(CPU), [h, w], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return RgbImage.FromTensor01(image.Name, t);
    }

    /// <summary>The reference's feature pass: every layer of <c>features</c> runs, whatever is needed.</summary>
    private sealed class FullDepthVgg(Vgg vgg) : IStyleNetwork
    {
        public string Name => "vgg16";
        public IReadOnlyList<double> StyleWeights { get; } = [0.75, 0.5, 0.25, 0.25, 0.25];

        public (Tensor[] Style, Tensor Content) Extract(Tensor normalised)
        {
            var f = vgg.Features(normalised, [0, 5, 10, 19, 28, 21, 30]);
            return (f[..5], f[5]);
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Peak resident memory of this process (VmHWM).</summary>
public static class NativeMemoryPeak
{
    public static long Read()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return 0;
    }
}
