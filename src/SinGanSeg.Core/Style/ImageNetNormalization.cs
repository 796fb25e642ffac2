using SinGanSeg.Core.Execution;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>torchvision's ImageNet mean/std, as the reference's transforms.Normalize uses.</summary>
public static class ImageNetNormalization
{
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    public static Tensor Normalize(Tensor rgb01)
    {
        using var scope = NewDisposeScope();
        var (m, s) = Stats(rgb01);
        return rgb01.sub(m).div(s).MoveToOuterDisposeScope();
    }

    public static Tensor Denormalize(Tensor normalised)
    {
        using var scope = NewDisposeScope();
        var (m, s) = Stats(normalised);
        return normalised.mul(s).Plus(m).MoveToOuterDisposeScope();
    }

    private static (Tensor Mean, Tensor Std) Stats(Tensor like) =>
        (tensor(Mean, device: like.device).view(1, 3, 1, 1), tensor(Std, device: like.device).view(1, 3, 1, 1));
}
