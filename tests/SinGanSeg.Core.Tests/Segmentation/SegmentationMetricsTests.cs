using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Tests.Segmentation;

public sealed class SegmentationMetricsTests
{
    // 4×4 masks drawn by hand: '#' = polyp.
    private static bool[] Mask(params string[] rows) => rows.SelectMany(r => r.Select(c => c == '#')).ToArray();
    private static float[] Prediction(params string[] rows) => rows.SelectMany(r => r.Select(c => c switch { '#' => 0.9f, '+' => 0.5f, '-' => 0.49f, _ => 0.1f })).ToArray();

    [Fact]
    public void A_perfect_prediction_scores_one_everywhere()
    {
        var s = SegmentationMetrics.Score(Prediction("##..", "##..", "....", "...."), Mask("##..", "##..", "....", "...."));
        Assert.Equal(new SegmentationScores(1, 1, 1, 1, 1), s);
    }

    [Fact]
    public void Partial_overlap_follows_the_formulas()
    {
        // truth: 4 pixels; prediction: 6 pixels, 3 of them right → TP 3, FP 3, FN 1, TN 9.
        var s = SegmentationMetrics.Score(Prediction("###.", "###.", "....", "...."), Mask("##..", "#...", "...#", "...."));
        Assert.Equal(3.0 / 7, s.Iou, 12);
        Assert.Equal(6.0 / 10, s.Dice, 12);
        Assert.Equal(3.0 / 6, s.Precision, 12);
        Assert.Equal(3.0 / 4, s.Recall, 12);
        Assert.Equal(12.0 / 16, s.Accuracy, 12);
    }

    [Fact]
    public void The_threshold_is_half_inclusive()
    {
        var s = SegmentationMetrics.Score(Prediction("+-..", "....", "....", "...."), Mask("##..", "....", "....", "...."));
        Assert.Equal(0.5, s.Recall, 12);   // 0.5 counts as polyp, 0.49 does not
        Assert.Equal(1.0, s.Precision, 12);
    }

    [Fact]
    public void Empty_masks_are_scored_without_free_points_or_nan()
    {
        var bothEmpty = SegmentationMetrics.Score(Prediction("....", "....", "....", "...."), Mask("....", "....", "....", "...."));
        Assert.Equal(new SegmentationScores(1, 1, 1, 1, 1), bothEmpty);
        var falseAlarm = SegmentationMetrics.Score(Prediction("#...", "....", "....", "...."), Mask("....", "....", "....", "...."));
        Assert.Equal((0.0, 0.0, 0.0, 0.0, 15.0 / 16), (falseAlarm.Iou, falseAlarm.Dice, falseAlarm.Precision, falseAlarm.Recall, falseAlarm.Accuracy));
        var missed = SegmentationMetrics.Score(Prediction("....", "....", "....", "...."), Mask("#...", "....", "....", "...."));
        Assert.Equal((0.0, 0.0, 0.0, 0.0, 15.0 / 16), (missed.Iou, missed.Dice, missed.Precision, missed.Recall, missed.Accuracy));
    }

    [Fact]
    public void Set_means_average_per_image()
    {
        var mean = SegmentationScores.Mean([new SegmentationScores(1, 1, 1, 1, 1), new SegmentationScores(0, 0.5, 0, 0, 0.5)]);
        Assert.Equal(new SegmentationScores(0.5, 0.75, 0.5, 0.5, 0.75), mean);
        Assert.Throws<ArgumentException>(() => SegmentationMetrics.Score(new float[3], new bool[4]));
    }
}
