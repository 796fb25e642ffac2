namespace SinGanSeg.Core.Segmentation;

/// <summary>Per-image scores of a binary polyp mask; averaged over images for a test set.</summary>
public sealed record SegmentationScores(double Iou, double Dice, double Precision, double Recall, double Accuracy)
{
    public static SegmentationScores Mean(IReadOnlyCollection<SegmentationScores> scores) => scores.Count == 0
        ? throw new ArgumentException("no scores to average")
        : new(scores.Average(s => s.Iou), scores.Average(s => s.Dice), scores.Average(s => s.Precision),
            scores.Average(s => s.Recall), scores.Average(s => s.Accuracy));
}

/// <summary>
/// The paper's metrics on the polyp channel at threshold 0.5, per image, from the confusion
/// counts TP, FP, FN, TN over its pixels:
/// IoU = TP/(TP+FP+FN), Dice (= F1) = 2TP/(2TP+FP+FN), precision = TP/(TP+FP),
/// recall = TP/(TP+FN), accuracy = (TP+TN)/all.
/// A ratio whose denominator is 0 is 1 when the prediction is right by default (nothing to find
/// and nothing predicted: IoU, Dice, precision and recall are 1) and 0 otherwise (polyp predicted
/// on an empty mask gives precision 0; a missed polyp gives recall 0), so an image without polyp
/// is neither free points nor undefined.
/// </summary>
public static class SegmentationMetrics
{
    public const double Threshold = 0.5;

    /// <param name="probability">Polyp probability per pixel.</param>
    /// <param name="truth">Ground truth per pixel (true = polyp).</param>
    public static SegmentationScores Score(ReadOnlySpan<float> probability, ReadOnlySpan<bool> truth)
    {
        if (probability.Length != truth.Length)
            throw new ArgumentException($"prediction has {probability.Length} pixels, the mask {truth.Length}");
        if (probability.Length == 0) throw new ArgumentException("empty image");
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < probability.Length; i++)
        {
            var p = probability[i] >= Threshold;
            if (p && truth[i]) tp++;
            else if (p) fp++;
            else if (truth[i]) fn++;
            else tn++;
        }
        return FromCounts(tp, fp, fn, tn);
    }

    public static SegmentationScores FromCounts(long tp, long fp, long fn, long tn)
    {
        var emptyBoth = tp + fp + fn == 0;
        return new SegmentationScores(
            Iou: emptyBoth ? 1 : (double)tp / (tp + fp + fn),
            Dice: emptyBoth ? 1 : 2.0 * tp / (2 * tp + fp + fn),
            Precision: tp + fp == 0 ? (fn == 0 ? 1 : 0) : (double)tp / (tp + fp),
            Recall: tp + fn == 0 ? (fp == 0 ? 1 : 0) : (double)tp / (tp + fn),
            Accuracy: (double)(tp + tn) / (tp + fp + fn + tn));
    }
}
