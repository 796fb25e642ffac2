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
///
/// Batches are aligned on multiples of <see cref="BatchSize"/> and always full: sample k is
/// computed in the batch ⌊k/B⌋·B … ⌊k/B⌋·B+B−1 whatever the count asked for, because conv kernels
/// round differently for different batch shapes and the outputs are truncated to uint8 — so a
/// (model, seed, index, batch size, device) always yields the same bytes.
/// </summary>
public sealed class SampleGenerator(SinGanModel model)
{
    public int BatchSize { get; init; } = 8;
    /// <summary>Scales below this use the reconstruction noise; the model's scale count means reconstruction.</summary>
    public int GenStartScale { get; init; }
    public Action<int, int>? Progress { get; init; }

    public static string SampleName(string modelId, long seed, int index) => $"{modelId}_seed{seed}_{index:D4}";

    public IReadOnlyList<GeneratedSample> Generate(int count, long seed, string outputDirectory, CancellationToken cancellation = default)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "count must be at least 1");
        return Generate([.. Enumerable.Range(0, count)], seed, outputDirectory, cancellation);
    }

    /// <summary>
    /// Only the samples with these indices (a gate's regeneration asks for a few indices of a new
    /// seed); each is computed in its aligned batch, so its bytes equal a full generation's.
    /// </summary>
    public IReadOnlyList<GeneratedSample> Generate(IReadOnlyList<int> indices, long seed, string outputDirectory, CancellationToken cancellation = default)
    {
        if (indices.Count == 0 || indices.Any(i => i < 0)) throw new ArgumentException("indices must be non-empty and not negative", nameof(indices));
        Native.TorchRuntime.EnsureLoaded();
        var count = indices.Count;
        var images = Path.Combine(outputDirectory, "images");
        var masks = Path.Combine(outputDirectory, "masks");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(masks);
        var results = new Dictionary<int, GeneratedSample>();
        var pending = new List<int>();
        foreach (var i in indices.Distinct())
        {
            var name = SampleName(model.Id, seed, i) + ".png";
            var (img, msk) = (Path.Combine(images, name), Path.Combine(masks, name));
            if (File.Exists(img) && File.Exists(msk)) results[i] = new GeneratedSample(i, img, msk, double.NaN);
            else pending.Add(i);
        }
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), "batch size must be at least 1");
        var done = count - pending.Count;
        var size = model.OutputSize;
        foreach (var chunk in pending.GroupBy(i => i / BatchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            var sources = SampleSeeds.Sources(seed, chunk.Key * BatchSize, BatchSize);
            try
            {
                using var samples = new SinGanSampler(model).Sample(sources, GenStartScale);
                var pixels = TensorImage.ToPixels(samples);
                foreach (var index in chunk)
                {
                    var (rgb, mask) = pixels[index - chunk.Key * BatchSize];
                    var name = SampleName(model.Id, seed, index) + ".png";
                    var (img, msk) = (Path.Combine(images, name), Path.Combine(masks, name));
                    // Mask first: a pair counts as present only when the image exists too.
                    SampleImageWriter.WriteMask(msk, size.Height, size.Width, mask);
                    SampleImageWriter.WriteRgb(img, size.Height, size.Width, rgb);
                    results[index] = new GeneratedSample(index, img, msk, MaskStatistics.ForegroundFraction(mask));
                }
            }
            finally
            {
                foreach (var s in sources) s.Dispose();
            }
            done += chunk.Count();
            Progress?.Invoke(done, count);
        }
        return [.. indices.Select(i => results[i])];
    }
}
