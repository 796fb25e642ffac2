using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Evaluation;

/// <summary>What one run measured: test scores (mean over the fold's real test images) and how training went (gradient steps taken).</summary>
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
    int Steps = 0);
