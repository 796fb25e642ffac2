using SinGanSeg.Core.Execution;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// Soft Dice loss on the polyp channel of a softmax over the classes, as the paper's experiments
/// (segmentation_models_pytorch's DiceLoss over the batch): 1 − (2Σpg + ε)/(Σp + Σg + ε).
/// </summary>
public static class DiceLoss
{
    public const double Smooth = 1.0;

    /// <param name="logits">N×C×H×W, class 1 = polyp.</param>
    /// <param name="mask">N×1×H×W or N×H×W, 1 = polyp.</param>
    public static Tensor Compute(Tensor logits, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var p = functional.softmax(logits, 1)[.., 1];
        var g = mask.dim() == 4 ? mask[.., 0] : mask;
        var intersection = p.mul(g).sum();
        var loss = intersection.Times(2).Plus(Smooth).div(p.sum().Plus(g.sum()).Plus(Smooth)).SubtractedFrom(1);
        return loss.MoveToOuterDisposeScope();
    }
}
