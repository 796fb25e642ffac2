using SinGanSeg.Core.Features;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>
/// The reference's picks on <c>features</c>: style at 0, 5, 10, 19, 28 with weights 0.75, 0.5,
/// 0.25, 0.25, 0.25, each read after its ReLU. The reference names them conv1_1 … conv5_1 after
/// VGG19's numbering, so on VGG16 19 and 28 are really conv4_2 and conv5_3. Content is read at
/// index 28 too: style_transfer.py sets <c>content_layer = "conv5_1"</c>; its dictionary also
/// extracts index 21 ("conv4_2"), which no loss uses. Replaying style_transfer_trace.pth shows
/// it: losses at steps 1–4 and the image after 5 steps agree only with 28
/// (StyleTransferParityTests). <paramref name="contentIndex"/> selects another.
/// </summary>
public sealed class VggStyleNetwork(Vgg vgg, int contentIndex = VggStyleNetwork.ReferenceContentIndex) : IStyleNetwork
{
    public static readonly int[] StyleIndices = [0, 5, 10, 19, 28];
    public const int ReferenceContentIndex = 28;
    private readonly int _contentIndex = contentIndex;
    private static readonly double[] Weights = [0.75, 0.5, 0.25, 0.25, 0.25];

    public string Name => vgg.Kind == VggKind.Vgg16 ? "vgg16" : "vgg19";

    public IReadOnlyList<double> StyleWeights => Weights;

    public (Tensor[] Style, Tensor Content) Extract(Tensor normalised)
    {
        var f = vgg.Features(normalised, [.. StyleIndices, _contentIndex]);
        return (f[..StyleIndices.Length], f[^1]);
    }

    public void Dispose() => vgg.Dispose();
}
