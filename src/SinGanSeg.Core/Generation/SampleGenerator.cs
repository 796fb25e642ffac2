using System.Diagnostics;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Model;

namespace SinGanSeg.Core.Generation;

/// <summary>A generated pair on disk.</summary>
public sealed record GeneratedSample(int Index, string ImagePath, string MaskPath, double ForegroundFraction);

/// <summary>
/// Generates samples from a model in batches and writes them as images/NAME.png (RGB) and
/// masks/NAME.png (0/255), NAME = {model}_seed{seed}_{index}. Existing files are kept, so an
/// interrupted generation continues where it stopped.
/// </summary>
public sealed class SampleGenerator(SinGanModel model)
{
    public int BatchSize { get; init; } = 16;
    public int GenStartScale { get; init; }
    public Action<int, int>? Progress { get; init; }

    public static string SampleName(string modelId, long seed, int index) => $"{modelId}_seed{seed}_{index:D4}";

    public IReadOnlyList<GeneratedSample> Generate(int count, long seed, string outputDirectory, CancellationToken cancellation = default)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "count must be at least 1");
        var images = Path.Combine(outputDirectory, "images");
        var masks = Path.Combine(outputDirectory, "masks");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(masks);
        var results = new GeneratedSample?[count];
        var pending = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var name = SampleName(model.Id, seed, i) + ".png";
            var (img, msk) = (Path.Combine(images, name), Path.Combine(masks, name));
            if (File.Exists(img) && File.Exists(msk)) results[i] = new GeneratedSample(i, img, msk, double.NaN);
            else pending.Add(i);
        }
        var done = count - pending.Count;
        var size = model.OutputSize;
        for (var start = 0; start < pending.Count; start += BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            var chunk = pending.Skip(start).Take(BatchSize).ToArray();
            var sources = chunk.Select(i => new Training.SeededRandomSource(SampleSeeds.ForSample(seed, i))).ToArray();
            try
            {
                using var samples = new SinGanSampler(model).Sample(sources, GenStartScale);
                var pixels = TensorImage.ToPixels(samples);
                for (var k = 0; k < chunk.Length; k++)
                {
                    var name = SampleName(model.Id, seed, chunk[k]) + ".png";
                    var (img, msk) = (Path.Combine(images, name), Path.Combine(masks, name));
                    // Mask first: a pair counts as present only when the image exists too.
                    SampleImageWriter.WriteMask(msk, size.Height, size.Width, pixels[k].Mask);
                    SampleImageWriter.WriteRgb(img, size.Height, size.Width, pixels[k].Rgb);
                    var fg = pixels[k].Mask.Count(b => b != 0) / (double)pixels[k].Mask.Length;
                    results[chunk[k]] = new GeneratedSample(chunk[k], img, msk, fg);
                }
            }
            finally
            {
                foreach (var s in sources) s.Dispose();
            }
            done += chunk.Length;
            Progress?.Invoke(done, count);
        }
        return results!;
    }
}
