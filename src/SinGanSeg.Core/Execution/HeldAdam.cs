using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Execution;

/// <summary>
/// Adam (no weight decay, no AMSGrad), with the arithmetic of TorchSharp's <c>optim.Adam</c> (0.107)
/// operation for operation, so results are bit-identical, but through <see cref="HeldScalars"/>.
///
/// Why: TorchSharp's Adam passes its betas, epsilon, bias corrections and step size as temporary
/// Scalars (<c>exp_avg.mul_(beta1).add_(grad, 1 - beta1)</c>, <c>… / Math.Sqrt(bias2)</c>), six per
/// parameter per step; SinGAN's two optimizers step every iteration, so these were as frequent as
/// any other temporary Scalar in training (see HeldScalars).
/// </summary>
public sealed class HeldAdam : IDisposable
{
    private sealed record State(Parameter Parameter, Tensor ExpAvg, Tensor ExpAvgSq)
    {
        public long Step { get; set; }
    }

    private readonly State[] _states;

    public HeldAdam(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        LearningRate = learningRate;
        (Beta1, Beta2, Eps) = (beta1, beta2, eps);
        _states = [.. parameters.Select(p => new State(p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()))];
    }

    /// <summary>Read at every step; a schedule sets it between steps.</summary>
    public double LearningRate { get; set; }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Zeroes the gradients (as <c>Optimizer.zero_grad</c>: in place, absent ones stay absent).</summary>
    public void ZeroGrad()
    {
        foreach (var state in _states)
        {
            using var grad = state.Parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>One step for every parameter that has a gradient; each keeps its own step count, as in torch.</summary>
    public void Step()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var state in _states)
        {
            var grad = state.Parameter.grad;
            if (grad is null) continue;
            state.Step++;
            var biasCorrection1 = 1.0 - Math.Pow(Beta1, state.Step);
            var biasCorrection2 = 1.0 - Math.Pow(Beta2, state.Step);
            state.ExpAvg.TimesInPlace(Beta1).PlusInPlace(grad, 1.0 - Beta1);
            state.ExpAvgSq.TimesInPlace(Beta2).AddProductInPlace(grad, grad, 1.0 - Beta2);
            var denom = state.ExpAvgSq.sqrt().Over(Math.Sqrt(biasCorrection2)).PlusInPlace(Eps);
            state.Parameter.AddQuotientInPlace(state.ExpAvg, denom, 0.0 - LearningRate / biasCorrection1);
        }
    }

    public void Dispose()
    {
        foreach (var state in _states)
        {
            state.ExpAvg.Dispose();
            state.ExpAvgSq.Dispose();
        }
    }
}
