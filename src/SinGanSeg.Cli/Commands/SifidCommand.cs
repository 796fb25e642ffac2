using System.CommandLine;
using System.Globalization;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Metrics;

namespace SinGanSeg.Cli.Commands;

/// <summary>singanseg sifid: single-image FID between real and generated images paired by name.</summary>
public static class SifidCommand
{
    public static Command Create()
    {
        var real = new Option<DirectoryInfo>("--real") { Description = "folder of real images", Required = true };
        var fake = new Option<DirectoryInfo>("--fake") { Description = "folder of generated images; each is paired with the real image of the same name, or whose name it starts with (e.g. cju0s690_s1_000.png ↔ cju0s690.jpg)", Required = true };
        var weights = new Option<FileInfo?>("--inception-weights") { Description = "torchvision inception_v3 .pth: gives SIFID-Inception; without it the offline SIFID-ResNet18-stem is reported" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("sifid", "Score generated images against real ones with SIFID (lower is closer).")
        {
            real, fake, weights, device, threads,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                var realDir = parse.GetValue(real)!.FullName;
                var fakeDir = parse.GetValue(fake)!.FullName;
                var pairs = Pair(realDir, fakeDir);
                var torchDevice = DeviceSelector.Parse(parse.GetValue(device));
                TorchThreads.Configure(parse.GetValue(threads));
                var report = await DedicatedThread.Run("singanseg-sifid", () =>
                {
                    using var features = SifidFeatureFactory.Create(parse.GetValue(weights)?.FullName, torchDevice);
                    var scorer = new SifidScorer(features);
                    var scores = new List<SifidScore>();
                    foreach (var (r, f) in pairs)
                    {
                        cancellation.ThrowIfCancellationRequested();
                        var score = new SifidScore(r, f, scorer.Score(r, f));
                        scores.Add(score);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f)}\t{Path.GetFileName(r)}\t{score.Value:F6}"));
                    }
                    return new SifidReport(scorer.MetricName, scores);
                });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.MetricName} mean over {report.Scores.Count} pairs: {report.Mean:F6}"));
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, "Check the folders and run again.");
            }
        });
        return command;
    }

    /// <summary>Exact name first, else the longest real name the generated name starts with (SinGanSeg names samples modelid_seed_index).</summary>
    internal static IReadOnlyList<(string Real, string Fake)> Pair(string realDir, string fakeDir)
    {
        if (!Directory.Exists(realDir)) throw new DirectoryNotFoundException($"{realDir}: real-image folder not found");
        if (!Directory.Exists(fakeDir)) throw new DirectoryNotFoundException($"{fakeDir}: generated-image folder not found");
        var reals = Images(realDir).ToDictionary(p => Path.GetFileNameWithoutExtension(p), StringComparer.Ordinal);
        var pairs = new List<(string, string)>();
        var unmatched = new List<string>();
        foreach (var f in Images(fakeDir))
        {
            var name = Path.GetFileNameWithoutExtension(f);
            var match = DatasetPairing.SourceOf(name, reals.Keys) is { } source ? reals[source] : null;
            if (match is null) unmatched.Add(Path.GetFileName(f));
            else pairs.Add((match, f));
        }
        if (unmatched.Count > 0)
            throw new InvalidInputException(fakeDir, $"{unmatched.Count} generated image(s) have no real image of the same name ({string.Join(", ", unmatched.Take(5))})",
                "Name each generated image after its real image (same name, or the real name followed by anything).");
        if (pairs.Count == 0)
            throw new InvalidInputException(fakeDir, "no PNG or JPEG images found", "Point --fake at the folder holding the generated images.");
        return pairs;
    }

    private static IEnumerable<string> Images(string dir) =>
        Directory.EnumerateFiles(dir).Where(p => p.EndsWith(".png", StringComparison.OrdinalIgnoreCase)
            || p.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal);
}
