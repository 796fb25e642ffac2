namespace SinGanSeg.Core.Training;

/// <summary>A progress report: iteration <see cref="Iteration"/> of <see cref="Iterations"/> at scale <see cref="Scale"/> of <see cref="ScaleCount"/>.</summary>
public sealed record TrainingProgress(
    int Scale,
    int ScaleCount,
    int Iteration,
    int Iterations,
    double IterationsPerSecond,
    TimeSpan ScaleEta,
    TimeSpan TotalEta,
    int CompletedScales);
