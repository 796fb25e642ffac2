using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Execution;

/// <summary>
/// Tensor arithmetic whose scalar operands stay alive until libtorch has read them.
///
/// Why: TorchSharp turns a number operand (<c>x.mul(0.5)</c>, <c>x.add(1)</c>) and even the
/// implicit <c>alpha = 1</c> of a tensor sum (<c>a + b</c>, <c>a.add(b)</c>) into a temporary native
/// Scalar and passes only its handle to libtorch. Nothing keeps the temporary reachable during the
/// native call, so a garbage collection on any thread can let the finalizer free it while libtorch
/// still reads it: libtorch then fails with "Expected false to be true … toFloat" or "Unknown scalar
/// type" (seen once on CI inside a training; LeakyReluTests and HeldScalarsTests provoke it in
/// seconds by collecting on another thread). The SinGAN training and sampling path, which runs
/// billions of these calls for a large dataset, goes through here; each Scalar is either static
/// (never finalized) or disposed only after the call returns.
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

    /// <summary>a clamped to [min, max].</summary>
    public static Tensor Clamped(this Tensor a, double min, double max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return a.clamp(low, high);
    }
}
