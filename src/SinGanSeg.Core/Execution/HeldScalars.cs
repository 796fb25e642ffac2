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
    // Static, so reachable for the process's lifetime and never finalized; immutable, so safe to share between threads.
    private static readonly Scalar One = 1.0.ToScalar();

    /// <summary>a + b (TorchSharp's <c>a + b</c> passes a temporary alpha of 1).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + s.</summary>
    public static Tensor Plus(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.add(held, One);
    }

    /// <summary>a + s, for an integer s (an integer Scalar, as <c>x.add(1)</c> passes: an integer tensor stays integer).</summary>
    public static Tensor Plus(this Tensor a, long s)
    {
        using var held = s.ToScalar();
        return a.add(held, One);
    }

    /// <summary>a − s, for an integer s.</summary>
    public static Tensor Minus(this Tensor a, long s)
    {
        using var held = s.ToScalar();
        return a.sub(held);
    }

    /// <summary>a · s, for an integer s (<c>bytes.mul(255)</c> stays bytes).</summary>
    public static Tensor Times(this Tensor a, long s)
    {
        using var held = s.ToScalar();
        return a.mul(held);
    }

    /// <summary>a / s, for an integer s.</summary>
    public static Tensor Over(this Tensor a, long s)
    {
        using var held = s.ToScalar();
        return a.div(held);
    }

    /// <summary>a − s.</summary>
    public static Tensor Minus(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.sub(held);
    }

    /// <summary>a · s.</summary>
    public static Tensor Times(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.mul(held);
    }

    /// <summary>a / s.</summary>
    public static Tensor Over(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.div(held);
    }

    /// <summary>aᵉ, with an integer exponent as the reference writes it (<c>.pow(2)</c>).</summary>
    public static Tensor Power(this Tensor a, long exponent)
    {
        using var held = exponent.ToScalar();
        return a.pow(held);
    }

    /// <summary>a² (TorchSharp's <c>square()</c> is <c>pow(2)</c> with a temporary Scalar).</summary>
    public static Tensor Squared(this Tensor a) => a.Power(2);

    /// <summary>a clamped to [min, max].</summary>
    public static Tensor Clamped(this Tensor a, double min, double max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return a.clamp(low, high);
    }

    /// <summary>max(a, min).</summary>
    public static Tensor ClampedBelow(this Tensor a, double min)
    {
        using var low = min.ToScalar();
        return a.clamp_min(low);
    }

    /// <summary>s − a (as s + (−a), which IEEE arithmetic rounds identically).</summary>
    public static Tensor SubtractedFrom(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        using var negated = a.neg();
        return negated.add(held, One);
    }

    /// <summary>a &lt; s, elementwise.</summary>
    public static Tensor LessThan(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.lt(held);
    }

    /// <summary>a &gt; s, elementwise.</summary>
    public static Tensor GreaterThan(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.gt(held);
    }

    /// <summary>a += b, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a += s, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.add_(held, One);
    }

    /// <summary>a ·= s, in place.</summary>
    public static Tensor TimesInPlace(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.mul_(held);
    }

    /// <summary>a /= s, in place.</summary>
    public static Tensor OverInPlace(this Tensor a, double s)
    {
        using var held = s.ToScalar();
        return a.div_(held);
    }

    /// <summary>a += weight · (end − a), in place (lerp_; TorchSharp's Scalar overload throws, so the weight is a 0-d tensor of a's type).</summary>
    public static Tensor LerpInPlace(this Tensor a, Tensor end, double weight)
    {
        using var held = tensor(weight, a.dtype, a.device);
        return a.lerp_(end, held);
    }

    /// <summary>a += value · t1 · t2, in place (addcmul_).</summary>
    public static Tensor AddProductInPlace(this Tensor a, Tensor t1, Tensor t2, double value)
    {
        using var held = value.ToScalar();
        return a.addcmul_(t1, t2, held);
    }

    /// <summary>a += value · t1 / t2, in place (addcdiv_).</summary>
    public static Tensor AddQuotientInPlace(this Tensor a, Tensor t1, Tensor t2, double value)
    {
        using var held = value.ToScalar();
        return a.addcdiv_(t1, t2, held);
    }
}
