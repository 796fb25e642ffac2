using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>Progress of one batch: step done out of the total, and the batch's mean losses.</summary>
public sealed record StyleProgress(int Step, int Steps, int BatchSize, double ContentLoss, double StyleLoss);

/// <summary>
/// Transfers the style of one real image onto generated images of the same size, a batch at a
/// time. With a checkpoint path the batch's state is saved every <c>steps / batch</c> steps, so a
/// crash loses at most one sample's worth of optimisation, and a rerun picks up from it.
/// Synchronous: call it on a dedicated thread.
/// </summary>
public sealed class StyleTransferRunner(IStyleNetwork network, StyleTransferConfig config, Device device)
{
    /// <param name="checkpointSaved">Called with <paramref name="checkpointPath"/> after each save (e.g. to copy it off the machine).</param>
    public IReadOnlyList<RgbImage> Run(RgbImage style, IReadOnlyList<RgbImage> contents, string? checkpointPath = null,
        Action<StyleProgress>? progress = null, CancellationToken cancellation = default, Action<string>? checkpointSaved = null)
    {
        config.Validate();
        if (contents.Count == 0) return [];
        if (contents.Count > config.MaxBatch)
            throw new ArgumentException($"{contents.Count} images exceed the batch limit {config.MaxBatch}; split them");
        var (h, w) = (contents[0].Height, contents[0].Width);
        var odd = contents.FirstOrDefault(c => c.Height != h || c.Width != w);
        if (odd is not null)
            throw new ArgumentException($"{odd.Name} is {odd.Width}x{odd.Height} but {contents[0].Name} is {w}x{h}: a batch shares one size");

        using var scope = NewDisposeScope();
        var contentBatch = cat(contents.Select(c => c.ToTensor01(device)).ToArray(), 0);
        var styleImage = ResizedStyle(style, h, w);
        using var resume = checkpointPath is null ? null : StyleTransferState.TryLoad(checkpointPath, device);
        using var optimisation = new StyleOptimization(network,
            ImageNetNormalization.Normalize(contentBatch), ImageNetNormalization.Normalize(styleImage), config,
            resume is not null && resume.Pixels.shape.SequenceEqual(contentBatch.shape) ? resume : null);
        var every = Math.Max(1, config.Steps / contents.Count);
        while (optimisation.Step < config.Steps)
        {
            cancellation.ThrowIfCancellationRequested();
            var losses = optimisation.StepOnce();
            progress?.Invoke(new StyleProgress(optimisation.Step, config.Steps, contents.Count, losses.Content.Average(), losses.Style.Average()));
            if (checkpointPath is not null && optimisation.Step % every == 0 && optimisation.Step < config.Steps)
            {
                using var snapshot = optimisation.Snapshot();
                snapshot.Save(checkpointPath);
                checkpointSaved?.Invoke(checkpointPath);
            }
        }
        var result = optimisation.Result01();
        var images = contents.Select((c, i) => RgbImage.FromTensor01(c.Name, result[i])).ToArray();
        if (checkpointPath is not null) File.Delete(checkpointPath);
        return images;
    }

    /// <summary>
    /// The unnormalised Gram matrix grows with the pixel count, so the style image is brought to
    /// the generated images' size (bilinear, antialiased when shrinking) before its statistics are taken.
    /// </summary>
    private Tensor ResizedStyle(RgbImage style, int h, int w)
    {
        var t = style.ToTensor01(device);
        if (style.Height == h && style.Width == w) return t;
        var shrinking = style.Height > h || style.Width > w;
        return nn.functional.interpolate(t, [h, w], mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrinking).Clamped(0, 1);
    }
}
