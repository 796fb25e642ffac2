using SinGanSeg.Core.Execution;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>
/// The reference's losses, per sample of a batch: content = mean((T − C)²) over the content
/// activation; style = Σₗ wₗ·mean((G(T)ₗ − G(S)ₗ)²)/(dₗ·hₗ·wₗ) with unnormalised Gram matrices.
/// </summary>
public static class StyleObjective
{
    public static Tensor ContentLoss(Tensor content, Tensor contentTarget)
    {
        var dims = Enumerable.Range(1, (int)content.dim() - 1).Select(i => (long)i).ToArray();
        return content.sub(contentTarget).Squared().mean(dims);
    }

    /// <param name="styleGrams">Gram matrices of the style image, [1, d, d] each (broadcast over the batch).</param>
    public static Tensor StyleLoss(IReadOnlyList<Tensor> style, IReadOnlyList<Tensor> styleGrams, IReadOnlyList<double> weights)
    {
        if (style.Count != styleGrams.Count || style.Count != weights.Count)
            throw new ArgumentException($"{style.Count} style activations, {styleGrams.Count} Gram matrices and {weights.Count} weights");
        Tensor? total = null;
        for (var l = 0; l < style.Count; l++)
        {
            var f = style[l];
            var perElement = f.shape[1] * f.shape[2] * f.shape[3];
            var layer = GramMatrix.Of(f).sub(styleGrams[l]).Squared().mean([1L, 2L]).Times(weights[l] / perElement);
            total = total is null ? layer : total.Plus(layer);
        }
        return total!;
    }
}
