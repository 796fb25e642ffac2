using SinGanSeg.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Bench.Chaos;

/// <summary>
/// The jobs of a chaos run: a main job of small synthetic pairs with planted bad inputs, a second
/// job sharing some of its model keys, and a job that gets cancelled. Tiny work: 64×64 pairs,
/// the tiny preset cut to 30 px (3 scales) and 2 iterations, so faults, not training, dominate.
/// </summary>
public sealed class ChaosWorkload
{
    public static readonly string[] PlantedBad = ["bad-truncated", "bad-mismatch", "bad-notimage"];

    public required JobSpec Main { get; init; }
    public required JobSpec Shared { get; init; }
    public required JobSpec Cancelled { get; init; }

    public static TrainingOptions Training => new("tiny", MaxSize: 30, Iterations: 2);

    public static ChaosWorkload Create(ChaosOptions options, string dir)
    {
        var random = new Random(options.Seed);
        var good = Math.Max(1, options.Images - PlantedBad.Length);
        var pairs = Enumerable.Range(0, good).Select(i => MakePair(dir, $"p{i:D4}", options.ImageSize, random)).ToList();
        var bad = PlantBad(dir, options.ImageSize, random);
        var main = new JobSpec("chaos-main", [.. pairs, .. bad], Training, options.Samples, options.Seed);
        var shared = new JobSpec("chaos-shared", [.. pairs.TakeLast(Math.Min(options.SharedImages, pairs.Count))], Training, options.Samples, options.Seed);
        var cancelled = new JobSpec("chaos-cancelled",
            [.. Enumerable.Range(0, options.CancelledImages).Select(i => MakePair(dir, $"c{i:D4}", options.ImageSize, random))], Training, options.Samples, options.Seed + 1);
        return new ChaosWorkload { Main = main, Shared = shared, Cancelled = cancelled };
    }

    private static ImageInput MakePair(string dir, string name, int size, Random random)
    {
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        var (image, mask) = (Path.Combine(dir, "images", $"{name}.png"), Path.Combine(dir, "masks", $"{name}.png"));
        using (var img = new Image<Rgb24>(size, size))
        {
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                    img[x, y] = new Rgb24((byte)(120 + random.Next(100)), (byte)(40 + random.Next(60)), (byte)(30 + random.Next(40)));
            img.SaveAsPng(image);
        }
        using (var m = new Image<L8>(size, size))
        {
            var (cx, cy, r) = (size / 3 + random.Next(size / 3), size / 3 + random.Next(size / 3), size / 10 + random.Next(size / 8));
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                    m[x, y] = new L8((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r ? (byte)255 : (byte)0);
            m.SaveAsPng(mask);
        }
        return new ImageInput(name, new Uri(image).AbsoluteUri, new Uri(mask).AbsoluteUri);
    }

    /// <summary>A truncated PNG, a mask of another size, and a text file named .png: each must fail alone, with its reason.</summary>
    private static List<ImageInput> PlantBad(string dir, int size, Random random)
    {
        var template = MakePair(dir, "bad-template", size, random);
        var (image, mask) = (new Uri(template.ImageRef).LocalPath, new Uri(template.MaskRef).LocalPath);
        var truncated = Path.Combine(dir, "images", "bad-truncated.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(image).AsSpan(0, 200).ToArray());
        var smallMask = Path.Combine(dir, "masks", "bad-mismatch.png");
        using (var m = new Image<L8>(size / 2, size / 3, new L8(255))) m.SaveAsPng(smallMask);
        var text = Path.Combine(dir, "images", "bad-notimage.png");
        File.WriteAllText(text, "this is not an image\n");
        return
        [
            new ImageInput("bad-truncated", new Uri(truncated).AbsoluteUri, template.MaskRef),
            new ImageInput("bad-mismatch", template.ImageRef, new Uri(smallMask).AbsoluteUri),
            new ImageInput("bad-notimage", new Uri(text).AbsoluteUri, template.MaskRef),
        ];
    }
}
