using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// One training of a segmenter (<see cref="Model"/>: "unetpp" or "unet"): a fold, a training set
/// (named, e.g. "real", "synthetic-styled", "real+synthetic-raw", "real@10"), validation and test
/// sets of real images only. Key is unique within an evaluation.
/// </summary>
public sealed record EvaluationRun(
    string Key,
    int Fold,
    string Set,
    int? RealImages,
    IReadOnlyList<SegmentationPair> Train,
    IReadOnlyList<SegmentationPair> Validation,
    IReadOnlyList<SegmentationPair> Test,
    string Model = SegmentationModels.UNetPlusPlus);
