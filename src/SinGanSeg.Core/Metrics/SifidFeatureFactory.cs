using static TorchSharp.torch;

namespace SinGanSeg.Core.Metrics;

/// <summary>SIFID-Inception when Inception weights are given, otherwise the offline ResNet18-stem variant.</summary>
public static class SifidFeatureFactory
{
    public static ISifidFeatures Create(string? inceptionWeights, Device device) =>
        string.IsNullOrEmpty(inceptionWeights)
            ? ResNetStemSifidFeatures.Bundled(device)
            : InceptionSifidFeatures.FromWeights(inceptionWeights, device);
}
