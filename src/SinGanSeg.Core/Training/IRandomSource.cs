using static TorchSharp.torch;

namespace SinGanSeg.Core.Training;

/// <summary>
/// Every random tensor training and sampling draw (noise maps, the gradient penalty's alpha)
/// comes from here, in the reference's order, so a recorded reference run can be replayed
/// draw for draw and a seeded run repeats exactly.
/// </summary>
public interface IRandomSource
{
    /// <summary>Standard-normal float32 tensor of the given shape on the given device.</summary>
    Tensor Randn(long[] shape, Device device);

    /// <summary>Uniform [0, 1) float32 tensor of the given shape on the given device.</summary>
    Tensor Rand(long[] shape, Device device);
}
