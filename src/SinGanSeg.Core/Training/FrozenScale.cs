using SinGanSeg.Core.Model;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Training;

/// <summary>A finished scale: its generator (frozen, eval mode), reconstruction noise map (padded) and noise amplitude.</summary>
public sealed record FrozenScale(SinGanGenerator Generator, Tensor ReconstructionNoise, float NoiseAmp);
