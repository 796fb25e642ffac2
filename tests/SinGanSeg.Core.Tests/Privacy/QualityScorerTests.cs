using SinGanSeg.Core.Quality;

namespace SinGanSeg.Core.Tests.Privacy;

public class QualityScorerTests
{
    [Fact]
    public void Empty_mask_of_a_source_with_foreground_is_flagged_with_its_reason()
    {
        var q = QualityScorer.Score(0, 0.2, 0.2, null, null);
        Assert.Equal(1, q.Score);
        Assert.Contains("empty-mask", q.Reasons);
    }

    [Fact]
    public void Foreground_far_from_the_source_is_flagged_and_near_is_not()
    {
        Assert.Contains("foreground-off", QualityScorer.Score(0.9, 0.2, 0.2, null, null).Reasons);
        Assert.Contains("foreground-off", QualityScorer.Score(0.04, 0.2, 0.2, null, null).Reasons);
        var near = QualityScorer.Score(0.25, 0.2, 0.2, null, null);
        Assert.Empty(near.Reasons);
        Assert.True(near.Score < 0.5, $"score {near.Score}");
    }

    [Fact]
    public void Near_constant_image_is_collapsed()
    {
        Assert.Contains("collapsed-image", QualityScorer.Score(0.2, 0.2, 0.01, null, null).Reasons);
        Assert.DoesNotContain("collapsed-image", QualityScorer.Score(0.2, 0.2, 0.15, null, null).Reasons);
    }

    [Fact]
    public void Sifid_outlier_among_siblings_is_flagged_and_a_typical_one_is_not()
    {
        var spread = SifidSpread.Of([1.0, 1.1, 0.9, 1.05, 0.95, 1.2, 0.8])!;
        Assert.Contains("sifid-outlier", QualityScorer.Score(0.2, 0.2, 0.2, 3.0, spread).Reasons);
        Assert.Empty(QualityScorer.Score(0.2, 0.2, 0.2, 1.1, spread).Reasons);
        Assert.Null(SifidSpread.Of([1.0, 2.0, 3.0]));
    }
}
