namespace SinGanSeg.Grains.Hosting;

/// <summary>
/// torchvision state-dict files on a silo (config section SinGanSeg:Weights, Helm value
/// weights.*). Nothing is downloaded at run time: ResNet18 falls back to the ImageNet weights
/// bundled with the build, SIFID to its ResNet18-stem variant, and VGG needs its file.
/// </summary>
public sealed record FeatureWeights
{
    public string? Vgg16 { get; init; }
    public string? Vgg19 { get; init; }
    public string? ResNet18 { get; init; }
    public string? InceptionV3 { get; init; }

    public string? ForStyleNetwork(string network) => network switch
    {
        "vgg16" => Vgg16,
        "vgg19" => Vgg19,
        "resnet18" => ResNet18,
        _ => null,
    };
}
