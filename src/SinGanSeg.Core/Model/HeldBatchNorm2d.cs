using SinGanSeg.Core.Execution;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Model;

/// <summary>
/// BatchNorm over (N, C, H, W) computing what TorchSharp's <c>nn.BatchNorm2d</c> computes, with
/// its parameter and buffer names (weight, bias, running_mean, running_var, num_batches_tracked),
/// so state dicts, model files and the parity traces are unchanged.
///
/// Why it exists: TorchSharp's forward counts batches with <c>num_batches_tracked.add_(1)</c>,
/// which passes two temporary native Scalars (the 1 and an implicit alpha). A garbage collection
/// on another thread can finalize them while libtorch reads them (see <see cref="HeldScalars"/>);
/// the fast-preset job lost one image's attempt to it as "For integral input tensors, argument
/// alpha must not be a floating point number". Here the counter is incremented with a static
/// Scalar and the normalisation is <c>F.batch_norm</c>, which passes plain doubles.
/// </summary>
public sealed class HeldBatchNorm2d : BatchNorm
{
    // nn.BatchNorm2d's defaults, which the reference (PyTorch) uses as well.
    private const double Epsilon = 1e-5;
    private const double Momentum = 0.1;

    public HeldBatchNorm2d(long features)
        : base(features, Epsilon, Momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        // As TorchSharp's module (and PyTorch's with running statistics): count the batch in
        // training; normalise with batch statistics in training, running ones in eval.
        if (training) num_batches_tracked!.IncrementInPlace();
        // No momentum: PyTorch's cumulative average over the batches seen (nothing here sets it so).
        var factor = momentum ?? (training ? 1.0 / num_batches_tracked!.item<long>() : 0.0);
        return F.batch_norm(input, running_mean, running_var, weight, bias, training, factor, eps);
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4)
            throw new ArgumentException($"expected a 4-D input (N, C, H, W), got {input.ndim}-D");
    }
}
