using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Model;

/// <summary>
/// LeakyReLU with a fixed slope, computing what TorchSharp's <c>nn.LeakyReLU</c> computes; no
/// parameters, so state dicts are unchanged.
///
/// Why it exists: TorchSharp's module turns its slope (a double) into a temporary native Scalar on
/// every call and passes only the Scalar's handle to libtorch. Nothing keeps the temporary alive
/// during the native call, so the GC may finalize it (freeing the native Scalar) while libtorch
/// reads it; seen once on CI as libtorch's "toFloat" check failing inside leaky_relu
/// (TorchSharp PRs #1434 and #1496 are about these implicit Scalars). This module owns one Scalar
/// for its lifetime and keeps it alive across each call. Every conv block calls it, which makes
/// it by far the most frequent implicit-Scalar call in training.
/// </summary>
public sealed class LeakyRelu : Module<Tensor, Tensor>
{
    private readonly Scalar _slope;

    public LeakyRelu(double negativeSlope) : base("LeakyReLU")
    {
        NegativeSlope = negativeSlope;
        _slope = negativeSlope.ToScalar();
    }

    public double NegativeSlope { get; }

    public override Tensor forward(Tensor x)
    {
        var y = x.leaky_relu(_slope);
        GC.KeepAlive(_slope);
        return y;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _slope.Dispose();
        base.Dispose(disposing);
    }
}
