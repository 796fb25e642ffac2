using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// What one run measured: test scores (mean over the fold's real test images), how training went
/// (gradient steps taken) and where it ran (<see cref="Execution.HostDescription"/>; null in
/// results written before it was recorded).
/// </summary>
public sealed record EvaluationResult(
    string Key,
    int Fold,
    string Set,
    int? RealImages,
    int TrainPairs,
    int ValidationImages,
    int TestImages,
    int BestEpoch,
    double BestValidationIou,
    SegmentationScores Test,
    double Seconds,
    string Model = SegmentationModels.UNetPlusPlus,
    int Steps = 0,
    string? Host = null);
