namespace SinGanSeg.Core.Imaging;

/// <summary>An image and its mask, matched by file name; <see cref="MaskPath"/> is where the mask was expected when it is missing.</summary>
public sealed record DatasetPair(string Name, string ImagePath, string MaskPath, bool MaskFound);

/// <summary>
/// Pairs images/ and masks/ folders by file name without extension (a mask may be PNG for a JPEG
/// image). An image without a mask still becomes a pair, so the job reports it as failed with its
/// name instead of silently dropping it; stray masks are returned for a warning.
/// </summary>
public static class DatasetPairing
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <summary>
    /// The real image a generated file belongs to: the one of the same name, else the longest real
    /// name it starts with (SinGanSeg names samples {model id}_seed{seed}_{index}); null if none.
    /// </summary>
    public static string? SourceOf(string generatedName, IEnumerable<string> realNames) =>
        realNames.Where(r => generatedName.StartsWith(r, StringComparison.Ordinal)).OrderByDescending(r => r.Length).FirstOrDefault();

    public static (IReadOnlyList<DatasetPair> Pairs, IReadOnlyList<string> UnmatchedMasks) Pair(string imagesDir, string masksDir)
    {
        if (!Directory.Exists(imagesDir)) throw new DirectoryNotFoundException($"{imagesDir}: images folder not found");
        if (!Directory.Exists(masksDir)) throw new DirectoryNotFoundException($"{masksDir}: masks folder not found");
        var images = Files(imagesDir);
        var masks = Files(masksDir).ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal);
        if (images.Count == 0) throw new ArgumentException($"{imagesDir} holds no PNG or JPEG images");
        var duplicate = images.GroupBy(f => Path.GetFileNameWithoutExtension(f)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"{imagesDir}: {string.Join(" and ", duplicate.Select(Path.GetFileName))} share a name; images are paired with masks by name, so rename one");
        var pairs = images.Select(path =>
        {
            var name = Path.GetFileNameWithoutExtension(path);
            return masks.TryGetValue(name, out var mask)
                ? new DatasetPair(name, path, mask, true)
                : new DatasetPair(name, path, Path.Combine(masksDir, name + Path.GetExtension(path)), false);
        }).ToList();
        var used = pairs.Where(p => p.MaskFound).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return (pairs, masks.Where(kv => !used.Contains(kv.Key)).Select(kv => kv.Value).ToList());
    }

    private static List<string> Files(string dir) =>
        [.. Directory.EnumerateFiles(dir).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal)];
}
