using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SinGanSeg.Cli.Output;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// singanseg agreement: does each synthetic mask label its image? Trains one small U-Net on the
/// real pairs (once for the whole dataset), predicts every synthetic image and writes the Dice
/// with its own mask per sample (agreement.jsonl), worst first on the console. Local, no cluster:
/// it is one short training.
/// </summary>
public static class AgreementCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var real = new Option<DirectoryInfo>("--real") { Description = "real dataset folder with images/ and masks/ (paired by file name)", Required = true };
        var synthetic = new Option<DirectoryInfo>("--synthetic") { Description = "synthetic dataset folder from 'singanseg run' or 'download' (images/, masks/, manifest.jsonl)", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "per-sample scores (default: SYNTHETIC/agreement.jsonl)" };
        var steps = new Option<int>("--steps") { Description = "gradient steps of the U-Net on the real pairs", DefaultValueFactory = _ => new MaskAgreementConfig().Steps };
        var imageSize = new Option<int>("--image-size") { Description = "segmenter input size (multiple of 32)", DefaultValueFactory = _ => new MaskAgreementConfig().ImageSize };
        var seed = CommonOptions.Seed("initialisation and data order");
        var device = CommonOptions.Device();
        var command = new Command("agreement", "Score whether each synthetic mask labels its image: a U-Net trained on the real pairs predicts every synthetic image (Dice with its mask).")
        {
            real, synthetic, output, steps, imageSize, seed, device,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                var config = new MaskAgreementConfig { Steps = parse.GetValue(steps), ImageSize = parse.GetValue(imageSize), Seed = parse.GetValue(seed) };
                config.Validate();
                var realDir = parse.GetValue(real)!.FullName;
                var (found, _) = DatasetPairing.Pair(Path.Combine(realDir, "images"), Path.Combine(realDir, "masks"));
                var missing = found.FirstOrDefault(p => !p.MaskFound);
                if (missing is not null) throw new InvalidInputException(missing.ImagePath, "has no mask of the same name in masks/", "Every real image needs its mask.");
                var realPairs = found.Select(p => new SegmentationPair(p.Name, p.ImagePath, p.MaskPath)).ToList();
                var syntheticDir = parse.GetValue(synthetic)!.FullName;
                var samples = SyntheticDataset.Load(syntheticDir, realPairs.Select(p => p.Name).ToList());
                if (samples.Count == 0) throw new InvalidInputException(syntheticDir, "has no synthetic pairs", "Point at the output of 'singanseg run'.");
                var torchDevice = DeviceSelector.Parse(parse.GetValue(device));
                Console.WriteLine($"training the agreement U-Net on {realPairs.Count} real pairs ({config.Steps} steps at {config.ImageSize} px), then scoring {samples.Count} samples");
                var (realDice, scores) = await DedicatedThread.Run("singanseg-agreement", () =>
                {
                    using var agreement = MaskAgreement.Train(realPairs, config, torchDevice, cancellation);
                    return (agreement.RealDice, agreement.Score(samples.Select(s => s.Raw).ToList()));
                });
                var path = parse.GetValue(output)?.FullName ?? Path.Combine(syntheticDir, "agreement.jsonl");
                var source = samples.ToDictionary(s => s.Name, s => s.Source);
                await File.WriteAllLinesAsync(path, scores.Select(s => JsonSerializer.Serialize(new
                {
                    name = s.Name, sourceImage = source[s.Name], dice = Math.Round(s.Dice, 5), predictedForeground = Math.Round(s.PredictedForeground, 5),
                    maskForeground = Math.Round(s.MaskForeground, 5), part = Math.Round(s.Part, 5), disagrees = s.Part >= 1,
                }, Json)), cancellation);
                var inv = CultureInfo.InvariantCulture;
                Console.WriteLine(string.Create(inv, $"segmenter Dice on the real pairs {realDice:F3}; samples: mean Dice {scores.Average(s => s.Dice):F3}, " +
                    $"{scores.Count(s => s.Part >= 1)} of {scores.Count} at or below {config.DisagreeDice:F2} (mask does not label its image)"));
                foreach (var s in scores.OrderBy(s => s.Dice).Take(5))
                    Console.WriteLine(string.Create(inv, $"  {s.Name}: Dice {s.Dice:F3} (predicted {s.PredictedForeground:P1} polyp, mask {s.MaskForeground:P1})"));
                Console.WriteLine($"scores in {path}");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReporter.Report(e, "Nothing was written.");
            }
        });
        return command;
    }
}
