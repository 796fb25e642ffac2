using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>
/// A frozen ImageNet CNN seen the way Gatys style transfer needs it. Inputs are always
/// ImageNet-normalised RGB (the space the reference optimises pixels in), so the learning rate
/// means the same on every network; a network that expects something else converts inside.
/// </summary>
public interface IStyleNetwork : IDisposable
{
    /// <summary>Name for reports and file names, e.g. "vgg16".</summary>
    string Name { get; }

    /// <summary>Weight of each style layer, in the order <see cref="Extract"/> returns them.</summary>
    IReadOnlyList<double> StyleWeights { get; }

    /// <summary>Style activations (one per weight) and the content activation for a batch.</summary>
    (Tensor[] Style, Tensor Content) Extract(Tensor normalised);
}
