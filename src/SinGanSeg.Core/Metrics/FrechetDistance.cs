using SinGanSeg.Core.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Metrics;

/// <summary>
/// The Fréchet distance between the Gaussians fitted to two feature maps, as SIFID's
/// calculate_frechet_distance computes it: |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2·tr √(Σ1Σ2), with every
/// spatial position of a 1×C×H×W map one sample, μ the mean and Σ numpy's unbiased covariance.
/// Everything runs in float64 on the CPU whatever device made the features: the matrices are
/// only C×C, and the reference is numpy/scipy in float64.
/// </summary>
public static class FrechetDistance
{
    private const double MachineEpsilon = 2.220446049250313e-16;

    public static double Between(Tensor activationsA, Tensor activationsB)
    {
        using var scope = NewDisposeScope();
        var (muA, sigmaA) = Statistics(activationsA);
        var (muB, sigmaB) = Statistics(activationsB);
        return FromStatistics(muA, sigmaA, muB, sigmaB);
    }

    /// <summary>Mean (C) and unbiased covariance (C×C) over the positions of a 1×C×H×W map, float64 on the CPU.</summary>
    public static (Tensor Mean, Tensor Covariance) Statistics(Tensor activations)
    {
        if (activations.dim() != 4 || activations.shape[0] != 1)
            throw new ArgumentException($"expected a 1×C×H×W feature map, got [{string.Join(",", activations.shape)}]", nameof(activations));
        var samples = activations.shape[2] * activations.shape[3];
        if (samples < 2)
            throw new ArgumentException($"a covariance needs at least 2 positions, the map has {samples}", nameof(activations));
        using var scope = NewDisposeScope();
        var x = activations.detach().to(ScalarType.Float64, CPU).reshape(activations.shape[1], samples).t();
        var mean = x.mean([0]);
        var centred = x - mean;
        var covariance = centred.t().matmul(centred).Over(samples - 1);
        return (mean.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope());
    }

    public static double FromStatistics(Tensor mu1, Tensor sigma1, Tensor mu2, Tensor sigma2)
    {
        using var scope = NewDisposeScope();
        var diff = (mu1 - mu2).to(ScalarType.Float64);
        var s1 = sigma1.to(ScalarType.Float64);
        var s2 = sigma2.to(ScalarType.Float64);
        var trace = TraceSqrtProduct(s1, s2);
        var meanTerm = diff.dot(diff).item<double>();
        return meanTerm + s1.trace().item<double>() + s2.trace().item<double>() - 2 * trace;
    }

    /// <summary>
    /// tr √(S1·S2) for symmetric PSD S1, S2. S1·S2 is similar to √S1·S2·√S1 = AᵀA with
    /// A = √S2·√S1, so the trace is the sum of A's singular values. Working with A rather than
    /// AᵀA keeps rounding at ε·‖A‖ instead of ε·‖A‖², which matters for the small eigenvalues.
    /// Singular covariances (fewer positions than channels, dead ReLU channels) have eigenvalues
    /// that are exactly 0 but come out of eigh as ±1e-16·λmax; their square roots (~1e-8 each)
    /// would add up to a visible error, so eigenvalues within rounding of 0 (numpy matrix_rank's
    /// tolerance) count as 0. scipy's sqrtm is off from the exact value by about that much on
    /// such input; where it fails outright (non-finite) the reference retries with 1e-6 added
    /// to both diagonals. That fallback hinges on LAPACK's rounding inside the Schur form and is
    /// not reproduced: this always returns the exact-arithmetic value.
    /// </summary>
    public static double TraceSqrtProduct(Tensor s1, Tensor s2)
    {
        using var scope = NewDisposeScope();
        return linalg.svdvals(SymmetricSqrt(s2).matmul(SymmetricSqrt(s1))).sum().item<double>();
    }

    private static Tensor SymmetricSqrt(Tensor s)
    {
        using var scope = NewDisposeScope();
        var (w, v) = linalg.eigh(s.Plus(s.t()).Over(2));
        return v.mul(NonNegative(w).sqrt()).matmul(v.t()).MoveToOuterDisposeScope();
    }

    private static Tensor NonNegative(Tensor eigenvalues)
    {
        var tolerance = eigenvalues.abs().max().item<double>() * eigenvalues.shape[0] * MachineEpsilon;
        return eigenvalues.where(eigenvalues.GreaterThan(tolerance), 0.0);
    }
}
