using SinGanSeg.Core.Execution;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>
/// Adam on one pixel tensor, written out (torch's single-tensor update: lerp for the first
/// moment, addcmul for the second, bias corrections as in torch.optim.Adam) so that its whole
/// state is three tensors and a step count that a checkpoint can save and restore exactly.
/// </summary>
public sealed class PixelAdam : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Eps = 1e-8;
    private readonly double _lr;

    public PixelAdam(Tensor pixels, double learningRate, Tensor? firstMoment = null, Tensor? secondMoment = null, int step = 0)
    {
        Pixels = pixels;
        _lr = learningRate;
        FirstMoment = firstMoment ?? zeros_like(pixels);
        SecondMoment = secondMoment ?? zeros_like(pixels);
        Step = step;
    }

    public Tensor Pixels { get; }
    public Tensor FirstMoment { get; }
    public Tensor SecondMoment { get; }
    public int Step { get; private set; }

    public void Update(Tensor grad)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Step++;
        FirstMoment.LerpInPlace(grad, 1 - Beta1);
        SecondMoment.TimesInPlace(Beta2).AddProductInPlace(grad, grad, 1 - Beta2);
        var biasCorrection1 = 1 - Math.Pow(Beta1, Step);
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Step));
        var denom = SecondMoment.sqrt().OverInPlace(biasCorrection2Sqrt).PlusInPlace(Eps);
        Pixels.AddQuotientInPlace(FirstMoment, denom, -_lr / biasCorrection1);
    }

    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
    }
}
