using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>Builds the style network a job or command names, with errors that say what file to give.</summary>
public static class StyleNetworks
{
    public static readonly string[] Names = ["resnet18", "vgg16", "vgg19"];

    /// <param name="weightsPath">A torchvision state-dict file; required for VGG, optional for ResNet18 (bundled ONNX weights otherwise).</param>
    public static IStyleNetwork Create(string name, string? weightsPath, Device device)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "resnet18":
                if (string.IsNullOrEmpty(weightsPath)) return ResNetStyleNetwork.Bundled(device);
                var resnet = GlobalRandom.Draw(() => new ResNet18());
                resnet.LoadTorchvision(weightsPath);
                resnet.to(device);
                return new ResNetStyleNetwork(resnet, caffeInput: null);
            case "vgg16":
            case "vgg19":
                var kind = name.Trim().Equals("vgg16", StringComparison.OrdinalIgnoreCase) ? VggKind.Vgg16 : VggKind.Vgg19;
                if (string.IsNullOrEmpty(weightsPath))
                    throw new ArgumentException($"{name} needs ImageNet weights, which cannot be downloaded here: give torchvision's {name} state-dict file " +
                        $"(e.g. {(kind == VggKind.Vgg16 ? "vgg16-397923af.pth" : "vgg19-dcbb9e9d.pth")}) — --weights for 'singanseg style', --style-weights for 'singanseg run', " +
                        "SinGanSeg:Weights on a silo — or use resnet18, whose weights ship with SinGanSeg");
                var vgg = GlobalRandom.Draw(() => new Vgg(kind));
                vgg.LoadTorchvision(weightsPath);
                vgg.to(device);
                return new VggStyleNetwork(vgg);
            default:
                throw new ArgumentException($"unknown style network '{name}': use {string.Join(", ", Names)}");
        }
    }
}
