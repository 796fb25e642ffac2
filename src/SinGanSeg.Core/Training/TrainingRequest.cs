using SinGanSeg.Core.Imaging;

namespace SinGanSeg.Core.Training;

/// <summary>Train <see cref="Input"/> with <see cref="Config"/> into the model folder <see cref="OutputDirectory"/>.</summary>
public sealed record TrainingRequest(ImagePair Input, SinGanConfig Config, long Seed, string OutputDirectory, string? ModelId = null);
