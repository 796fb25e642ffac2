using System.Text.Json;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Evaluation;

/// <summary>A generated pair, the real image it was generated from, and its restyled image if any.</summary>
public sealed record SyntheticPair(string Name, string ImagePath, string MaskPath, string Source, string? StyledImagePath)
{
    public SegmentationPair Raw => new(Name, ImagePath, MaskPath);
    public SegmentationPair? Styled => StyledImagePath is null ? null : new(Name + "_styled", StyledImagePath, MaskPath);
}

/// <summary>
/// Reads a SinGanSeg dataset folder (images/, masks/, manifest.jsonl): each pair's source image
/// comes from the manifest; without one, from the file name (the longest real-image name it
/// starts with, as SinGanSeg names samples). A pair whose source is unknown is an error, because
/// cross-validation must know which real images each synthetic one came from.
/// </summary>
public static class SyntheticDataset
{
    public static IReadOnlyList<SyntheticPair> Load(string directory, IReadOnlyCollection<string> realNames)
    {
        var images = Path.Combine(directory, "images");
        var masks = Path.Combine(directory, "masks");
        if (!Directory.Exists(images) || !Directory.Exists(masks))
            throw new InvalidInputException(directory, "not a synthetic dataset folder (needs images/ and masks/)",
                "Point at the output of 'singanseg run' or 'singanseg download'.");
        var manifest = Path.Combine(directory, "manifest.jsonl");
        var result = new List<SyntheticPair>();
        if (File.Exists(manifest))
        {
            foreach (var line in File.ReadLines(manifest).Where(l => l.Length > 0))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var image = Path.Combine(directory, root.GetProperty("image").GetString()!);
                var mask = Path.Combine(directory, root.GetProperty("mask").GetString()!);
                var styled = root.TryGetProperty("styledImage", out var s) && s.GetString() is { } rel ? Path.Combine(directory, rel) : null;
                var source = root.GetProperty("sourceImage").GetString()!;
                result.Add(new SyntheticPair(Path.GetFileNameWithoutExtension(image), image, mask, source, styled is not null && File.Exists(styled) ? styled : null));
            }
            return result;
        }
        foreach (var image in Directory.EnumerateFiles(images).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(image);
            if (name.EndsWith("_styled", StringComparison.Ordinal)) continue;
            var source = DatasetPairing.SourceOf(name, realNames)
                ?? throw new InvalidInputException(image, "matches no real image by name and there is no manifest.jsonl",
                    "Keep the dataset's manifest.jsonl, or name samples after their real image.");
            var mask = Directory.EnumerateFiles(masks, name + ".*").FirstOrDefault()
                ?? throw new InvalidInputException(image, "has no mask of the same name in masks/", "Every synthetic image needs its mask.");
            var styled = Directory.EnumerateFiles(images, name + "_styled.*").FirstOrDefault();
            result.Add(new SyntheticPair(name, image, mask, source, styled));
        }
        return result;
    }
}
