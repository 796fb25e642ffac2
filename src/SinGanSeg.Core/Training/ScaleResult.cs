using static TorchSharp.torch;

namespace SinGanSeg.Core.Training;

/// <summary>What training one scale leaves behind besides the trained networks.</summary>
public sealed record ScaleResult(Tensor ReconstructionNoise, float NoiseAmp, double Seconds, Tensor? Preview, Tensor? LastFake);
