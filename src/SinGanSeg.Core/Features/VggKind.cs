namespace SinGanSeg.Core.Features;

/// <summary>The torchvision VGG variants the style transfer can run on.</summary>
public enum VggKind
{
    Vgg16,
    Vgg19,
}
