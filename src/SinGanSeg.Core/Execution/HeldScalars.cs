using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Execution;

/// <summary>
/// Tensor arithmetic whose scalar operands stay alive until libtorch has read them.
///
/// Why: TorchSharp turns a number operand (<c>x.mul(0.5)</c>, <c>x.add(1)</c>) and even the
/// implicit <c>alpha = 1</c> of a tensor sum (<c>a + b</c>, <c>a.add(b)</c>, <c>a.add_(b)</c>) or the
/// exponent of <c>square()</c> into a temporary native
/// Scalar and passes only its handle to libtorch. Nothing keeps the temporary reachable during the
/// native call, so a garbage collection on any thread can let the finalizer free it while libtorch
/// still reads it: libtorch then fails with "Expected false to be true … toFloat" or "Unknown scalar
/// type" (seen once on CI inside a training; LeakyReluTests and HeldScalarsTests provoke it in
/// seconds by collecting on another thread). The engine's per-step arithmetic (SinGAN training and
/// sampling, style transfer, the segmenters' training and augmentation) goes through here; each
/// Scalar is either static (never finalized) or disposed only after the call returns.
/// </summary>
public static class HeldScalars
{
    // Static, so reachable for the process's lifetime and never finalized; immutable, so safe to
    // share between threads. An integer, as TorchSharp's own alpha: integer tensors refuse a float alpha.
    private static readonly Scalar One = 1L.ToScalar();

    // Runs op with the Scalar and disposes it after op returns, i.e. after libtorch has read it.
    private static Tensor With(Scalar held, Func<Scalar, Tensor> op)
    {
        using (held) return op(held);
    }

    /// <summary>a + b (TorchSharp's <c>a + b</c> passes a temporary alpha of 1).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + s.</summary>
    public static Tensor Plus(this Tensor a, double s) => With(s.ToScalar(), k => a.add(k, One));

    /// <summary>a + s, for an integer s (an integer Scalar, as <c>x.add(1)</c> passes: an integer tensor stays integer).</summary>
    public static Tensor Plus(this Tensor a, long s) => With(s.ToScalar(), k => a.add(k, One));

    /// <summary>a − s.</summary>
    public static Tensor Minus(this Tensor a, double s) => With(s.ToScalar(), k => a.sub(k));

    /// <summary>a − s, for an integer s.</summary>
    public static Tensor Minus(this Tensor a, long s) => With(s.ToScalar(), k => a.sub(k));

    /// <summary>s − a (as s + (−a), which IEEE arithmetic rounds identically).</summary>
    public static Tensor SubtractedFrom(this Tensor a, double s)
    {
        using var negated = a.neg();
        return With(s.ToScalar(), k => negated.add(k, One));
    }

    /// <summary>a · s.</summary>
    public static Tensor Times(this Tensor a, double s) => With(s.ToScalar(), k => a.mul(k));

    /// <summary>a · s, for an integer s (<c>bytes.mul(255)</c> stays bytes).</summary>
    public static Tensor Times(this Tensor a, long s) => With(s.ToScalar(), k => a.mul(k));

    /// <summary>a / s.</summary>
    public static Tensor Over(this Tensor a, double s) => With(s.ToScalar(), k => a.div(k));

    /// <summary>a / s, for an integer s.</summary>
    public static Tensor Over(this Tensor a, long s) => With(s.ToScalar(), k => a.div(k));

    /// <summary>aᵉ, with an integer exponent as the reference writes it (<c>.pow(2)</c>).</summary>
    public static Tensor Power(this Tensor a, long exponent) => With(exponent.ToScalar(), k => a.pow(k));

    /// <summary>a² (TorchSharp's <c>square()</c> is <c>pow(2)</c> with a temporary Scalar).</summary>
    public static Tensor Squared(this Tensor a) => a.Power(2);

    /// <summary>a clamped to [min, max].</summary>
    public static Tensor Clamped(this Tensor a, double min, double max)
    {
        using var low = min.ToScalar();
        return With(max.ToScalar(), high => a.clamp(low, high));
    }

    /// <summary>max(a, min).</summary>
    public static Tensor ClampedBelow(this Tensor a, double min) => With(min.ToScalar(), k => a.clamp_min(k));

    /// <summary>a &lt; s, elementwise.</summary>
    public static Tensor LessThan(this Tensor a, double s) => With(s.ToScalar(), k => a.lt(k));

    /// <summary>a &gt; s, elementwise.</summary>
    public static Tensor GreaterThan(this Tensor a, double s) => With(s.ToScalar(), k => a.gt(k));

    /// <summary>a += b, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a += alpha · b, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b, double alpha) => With(alpha.ToScalar(), k => a.add_(b, k));

    /// <summary>a += 1, in place, for a counter of any type (an integer tensor refuses a float alpha).</summary>
    public static Tensor IncrementInPlace(this Tensor a) => a.add_(One, One);

    /// <summary>a += s, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, double s) => With(s.ToScalar(), k => a.add_(k, One));

    /// <summary>a ·= s, in place.</summary>
    public static Tensor TimesInPlace(this Tensor a, double s) => With(s.ToScalar(), k => a.mul_(k));

    /// <summary>a /= s, in place.</summary>
    public static Tensor OverInPlace(this Tensor a, double s) => With(s.ToScalar(), k => a.div_(k));

    /// <summary>a += weight · (end − a), in place (lerp_; TorchSharp's Scalar overload throws, so the weight is a 0-d tensor of a's type).</summary>
    public static Tensor LerpInPlace(this Tensor a, Tensor end, double weight)
    {
        using var held = tensor(weight, a.dtype, a.device);
        return a.lerp_(end, held);
    }

    /// <summary>a += value · t1 · t2, in place (addcmul_).</summary>
    public static Tensor AddProductInPlace(this Tensor a, Tensor t1, Tensor t2, double value) => With(value.ToScalar(), k => a.addcmul_(t1, t2, k));

    /// <summary>a += value · t1 / t2, in place (addcdiv_).</summary>
    public static Tensor AddQuotientInPlace(this Tensor a, Tensor t1, Tensor t2, double value) => With(value.ToScalar(), k => a.addcdiv_(t1, t2, k));
}
