using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>The reference's unnormalised Gram matrix, per sample: F·Fᵀ with F = d × (h·w).</summary>
public static class GramMatrix
{
    public static Tensor Of(Tensor features)
    {
        var (b, d) = (features.shape[0], features.shape[1]);
        var f = features.reshape(b, d, -1);
        return matmul(f, f.transpose(1, 2));
    }
}
