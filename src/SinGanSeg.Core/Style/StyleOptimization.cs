using SinGanSeg.Core.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>
/// Gatys style transfer for a batch of generated images that share one style image (the real
/// image their SinGAN was trained on). The pixels start at the generated images and are
/// optimised in ImageNet-normalised space with the reference's losses (<see cref="StyleObjective"/>),
/// total = a·content + b·style for the ratio a:b. Each sample's
/// loss depends only on its own pixels, so the batch equals running the samples one by one.
/// Synchronous and single-threaded by design: call it from a dedicated thread.
/// </summary>
public sealed class StyleOptimization : IDisposable
{
    private readonly IStyleNetwork _network;
    private readonly StyleTransferConfig _config;
    private readonly Tensor _contentTarget;
    private readonly Tensor[] _styleGrams;
    private readonly PixelAdam _adam;

    /// <param name="contentNormalised">[B, 3, H, W] generated images, ImageNet-normalised.</param>
    /// <param name="styleNormalised">[1, 3, H', W'] the real image, ImageNet-normalised.</param>
    /// <param name="resume">A saved state for this same batch; its pixels and moments are taken over.</param>
    public StyleOptimization(IStyleNetwork network, Tensor contentNormalised, Tensor styleNormalised, StyleTransferConfig config, StyleTransferState? resume = null)
    {
        config.Validate();
        if (contentNormalised.dim() != 4 || contentNormalised.shape[1] != 3)
            throw new ArgumentException($"content must be [B, 3, H, W], got [{string.Join(", ", contentNormalised.shape)}]");
        if (styleNormalised.dim() != 4 || styleNormalised.shape[0] != 1 || styleNormalised.shape[1] != 3)
            throw new ArgumentException($"style must be [1, 3, H, W], got [{string.Join(", ", styleNormalised.shape)}]");
        _network = network;
        _config = config;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            _contentTarget = network.Extract(contentNormalised).Content.detach().MoveToOuterDisposeScope();
            _styleGrams = network.Extract(styleNormalised).Style.Select(f => GramMatrix.Of(f).detach().MoveToOuterDisposeScope()).ToArray();
        }
        if (resume is not null && !resume.Pixels.shape.SequenceEqual(contentNormalised.shape))
            throw new ArgumentException("the saved style-transfer state belongs to a different batch");
        var pixels = (resume?.Pixels ?? contentNormalised).detach().clone().requires_grad_(true);
        _adam = new PixelAdam(pixels, config.LearningRate, resume?.FirstMoment.clone(), resume?.SecondMoment.clone(), resume?.Step ?? 0);
    }

    public int Step => _adam.Step;

    public int BatchSize => (int)_adam.Pixels.shape[0];

    /// <summary>The current pixels, ImageNet-normalised (a view; do not dispose).</summary>
    public Tensor Pixels => _adam.Pixels;

    /// <summary>Measures the losses, then moves the pixels one Adam step.</summary>
    public StepLosses StepOnce()
    {
        using var scope = NewDisposeScope();
        var pixels = _adam.Pixels;
        if (pixels.grad is { } old) old.zero_();
        var (style, content) = _network.Extract(pixels);
        var contentLoss = StyleObjective.ContentLoss(content, _contentTarget);
        var styleLoss = StyleObjective.StyleLoss(style, _styleGrams, _network.StyleWeights);
        var total = contentLoss.Times(_config.Ratio.Content).Plus(styleLoss.Times(_config.Ratio.Style)).sum();
        var losses = new StepLosses(Step,
            contentLoss.detach().cpu().to(ScalarType.Float64).data<double>().ToArray(),
            styleLoss.detach().cpu().to(ScalarType.Float64).data<double>().ToArray());
        var grads = autograd.grad([total], [pixels]);
        _adam.Update(grads[0]);
        return losses;
    }

    /// <summary>A copy of the state, for a checkpoint.</summary>
    public StyleTransferState Snapshot() =>
        new(_adam.Pixels.detach().clone(), _adam.FirstMoment.clone(), _adam.SecondMoment.clone(), Step);

    /// <summary>The current images in [0, 1], clipped as the reference's im_convert does.</summary>
    public Tensor Result01()
    {
        using var scope = NewDisposeScope();
        return ImageNetNormalization.Denormalize(_adam.Pixels.detach()).Clamped(0, 1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _adam.Dispose();
        _adam.Pixels.Dispose();
        _contentTarget.Dispose();
        foreach (var g in _styleGrams) g.Dispose();
    }
}
