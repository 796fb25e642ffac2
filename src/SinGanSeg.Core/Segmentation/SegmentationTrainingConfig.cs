namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// Segmenter training as the paper's experiments: Adam 1e-4, dropping to 1e-5 at
/// <see cref="LearningRateDropEpoch"/>, Dice loss, 128×128 inputs, augmentation, and the
/// checkpoint with the best validation IoU kept. Without <see cref="Steps"/> an epoch is a pass
/// over the training set; with it, training takes exactly that many gradient steps (passes
/// repeat as needed) and <see cref="Epochs"/> is the number of validation rounds spread evenly
/// over them — how an evaluation gives every training set the same number of steps.
/// </summary>
public sealed record SegmentationTrainingConfig
{
    public int Epochs { get; init; } = 50;

    /// <summary>Gradient steps in all; null: <see cref="Epochs"/> passes over the training set.</summary>
    public int? Steps { get; init; }

    public int BatchSize { get; init; } = 8;
    public int ImageSize { get; init; } = 128;
    public double LearningRate { get; init; } = 1e-4;
    public double LowLearningRate { get; init; } = 1e-5;

    /// <summary>First epoch (0-based) trained at the low rate; default: four fifths in.</summary>
    public int? LearningRateDropEpoch { get; init; }

    public bool Augment { get; init; } = true;
    public long Seed { get; init; } = 1;
    public UNetPlusPlusConfig Network { get; init; } = new();
    public UNetConfig UNet { get; init; } = new();

    public int DropEpoch => LearningRateDropEpoch ?? Math.Max(1, Epochs * 4 / 5);

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1 (got {Epochs})");
        if (Steps is < 1) throw new ArgumentException($"steps must be at least 1 (got {Steps})");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be at least 1 (got {BatchSize})");
        if (ImageSize < 32 || ImageSize % 32 != 0) throw new ArgumentException($"image size must be a positive multiple of 32 (got {ImageSize})");
        if (!(LearningRate > 0) || !(LowLearningRate > 0)) throw new ArgumentException("learning rates must be positive");
        Network.Validate();
        UNet.Validate();
    }
}
