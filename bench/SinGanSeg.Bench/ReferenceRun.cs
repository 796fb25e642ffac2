using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Bench;

/// <summary>
/// The original Python code, run by bench/reference/driver.py in a scratch folder on the same
/// input, iterations and threads, one step at a time: <see cref="Next"/> lets it train its next
/// scale (or sample) and returns that step's measurement, so the harness alternates reference
/// and project work and both see the same machine load. Needs /usr/bin/python3 with Debian's
/// python3-torch, python3-matplotlib, python3-skimage, python3-scipy, python3-sklearn, python3-tqdm.
/// </summary>
public sealed class ReferenceRun : IDisposable
{
    private readonly Process _process;
    private readonly string _scratch;

    private ReferenceRun(Process process, string scratch)
    {
        _process = process;
        _scratch = scratch;
    }

    public static ReferenceRun Start(string referenceDir, string imagePath, string maskPath, int iterations, int threads, int maxSize, int minSize, int samples)
    {
        if (!File.Exists(Path.Combine(referenceDir, "main_train.py")))
            throw new ArgumentException($"--reference {referenceDir}: not the SinGAN-Seg code (no main_train.py)");
        var driver = Path.Combine(Args.RepoRoot(), "bench", "reference", "driver.py");
        var scratch = Path.Combine(Path.GetTempPath(), $"singanseg-bench-reference-{Environment.ProcessId}");
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        Directory.CreateDirectory(scratch);
        var input = Path.Combine(scratch, Path.GetFileNameWithoutExtension(imagePath) + ".png");
        WriteRgba(imagePath, maskPath, input);
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            WorkingDirectory = scratch,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { driver, "--reference", Path.GetFullPath(referenceDir), "--input", input, "--niter", Inv(iterations), "--threads", Inv(threads),
                     "--max-size", Inv(maxSize), "--min-size", Inv(minSize), "--samples", Inv(samples), "--step" })
            start.ArgumentList.Add(arg);
        start.Environment["OMP_NUM_THREADS"] = Inv(threads);
        start.Environment["MKL_NUM_THREADS"] = Inv(threads);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && !line.Contains("UserWarning", StringComparison.Ordinal)) Console.Error.WriteLine($"  [reference] {line}"); };
        process.BeginErrorReadLine();
        return new ReferenceRun(process, scratch);
    }

    /// <summary>Times style_transfer.transfer_style (VGG16, one sample) on <paramref name="imagePath"/> for <paramref name="steps"/> steps.</summary>
    public static JsonElement Style(string referenceDir, string imagePath, int steps, int threads)
    {
        var driver = Path.Combine(Args.RepoRoot(), "bench", "reference", "driver.py");
        var scratch = Path.Combine(Path.GetTempPath(), $"singanseg-bench-reference-style-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        // stderr (tqdm's progress bar) is drained and dropped.
        var start = new ProcessStartInfo("/usr/bin/python3") { WorkingDirectory = scratch, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { driver, "--reference", Path.GetFullPath(referenceDir), "--input", imagePath, "--threads", Inv(threads), "--style-steps", Inv(steps) })
            start.ArgumentList.Add(arg);
        start.Environment["OMP_NUM_THREADS"] = Inv(threads);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var run = new ReferenceRun(process, scratch);
        return run.Read();
    }

    /// <summary>Trains every scale of one pair in a process of its own, as a user of the reference would: the sum of its scales' times and its peak RSS.</summary>
    public static (double Seconds, long PeakRssBytes, double Load) TrainWhole(string referenceDir, string imagePath, string maskPath, int iterations, int maxSize, int minSize)
    {
        var threads = Environment.ProcessorCount;
        using var run = Start(referenceDir, imagePath, maskPath, iterations, threads, maxSize, minSize, samples: 0);
        var seconds = 0.0;
        var load = 0.0;
        while (true)
        {
            var m = run.Next();
            load = Math.Max(load, m.GetProperty("load").GetDouble());
            if (m.GetProperty("event").GetString() == "done")
                return (seconds, m.GetProperty("peak_rss_kib").GetInt64() * 1024, load);
            seconds += m.GetProperty("seconds").GetDouble();
        }
    }

    /// <summary>Lets the reference run its next step and returns its measurement line.</summary>
    public JsonElement Next()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
        return Read();
    }

    /// <summary>Reads lines until the next measurement (the reference's own prints are skipped).</summary>
    public JsonElement Read()
    {
        while (_process.StandardOutput.ReadLine() is { } line)
            if (line.StartsWith("@@ ", StringComparison.Ordinal))
                return JsonDocument.Parse(line[3..]).RootElement.Clone();
        _process.WaitForExit();
        throw new InvalidOperationException($"the reference exited with code {_process.ExitCode} before reporting; see its stderr above");
    }

    /// <summary>The reference's input format: RGB plus the mask binarised at ≥ 128 as alpha.</summary>
    private static void WriteRgba(string imagePath, string maskPath, string outPath)
    {
        using var image = Image.Load<Rgb24>(imagePath);
        using var mask = Image.Load<L8>(maskPath);
        using var rgba = new Image<Rgba32>(image.Width, image.Height);
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                rgba[x, y] = new Rgba32(p.R, p.G, p.B, mask[x, y].PackedValue >= 128 ? (byte)255 : (byte)0);
            }
        rgba.SaveAsPng(outPath);
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    public static double LoadAverage() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                // The style run reads no stdin (it is not stepped): closing it would throw.
                if (_process.StartInfo.RedirectStandardInput) _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            _process.Dispose();
            try { Directory.Delete(_scratch, recursive: true); } catch (IOException) { }
        }
    }
}
