namespace SinGanSeg.Core.Features;

/// <summary>
/// How the strided layers pad. Both put the same padding before (top/left), so the sampling grid
/// is the same; they differ only in the trailing padding. When a strided layer's input size is
/// even that extra row/column is never read and the two give identical results; when it is odd,
/// symmetric padding yields one more output row/column (reading the padding), asymmetric one less.
/// So only <see cref="Asymmetric"/> reproduces the ONNX graph's output sizes and border values at
/// every input size.
/// </summary>
public enum ResNetPadding
{
    /// <summary>torchvision: the same amount on every side (stem 3, 3×3 convs and max pool 1).</summary>
    Symmetric,

    /// <summary>
    /// CNTK's "same" padding, as in the ONNX export of ML.NET's ResNet18: strided layers put the
    /// odd pixel of padding before and one less after (stem 3 before / 2 after, stride-2 3×3
    /// convs and the max pool 1 before / 0 after). Stride-1 convs and the 1×1 downsample convs
    /// are unchanged.
    /// </summary>
    Asymmetric,
}
