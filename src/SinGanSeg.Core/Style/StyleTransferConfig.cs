namespace SinGanSeg.Core.Style;

/// <summary>Gatys style transfer settings; defaults are the reference's.</summary>
public sealed record StyleTransferConfig
{
    public int Steps { get; init; } = 1000;
    public double LearningRate { get; init; } = 0.01;
    public StyleWeightRatio Ratio { get; init; } = StyleWeightRatio.Balanced;

    /// <summary>
    /// Samples optimised together. Adam is element-wise and each sample's loss only sees its own
    /// pixels, so a batch follows exactly the trajectories the samples would follow one by one;
    /// batching only shares the kernel launches and the style statistics.
    /// </summary>
    public int MaxBatch { get; init; } = 8;

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"style steps must be at least 1 (got {Steps})");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"style learning rate must be a positive number (got {LearningRate})");
        if (MaxBatch < 1) throw new ArgumentException($"style batch must be at least 1 (got {MaxBatch})");
    }
}
