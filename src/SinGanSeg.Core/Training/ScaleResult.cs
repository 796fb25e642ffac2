using static TorchSharp.torch;

namespace SinGanSeg.Core.Training;

/// <summary>What training one scale leaves behind besides the trained networks.</summary>
/// <param name="ReconstructionRmse">RMSE of G(z_opt) against the real image at this scale, after training: how well the scale learned the image.</param>
public sealed record ScaleResult(Tensor ReconstructionNoise, float NoiseAmp, double Seconds, Tensor? Preview, Tensor? LastFake, double ReconstructionRmse);
