using SinGanSeg.Core.Features;
using SinGanSeg.Core.Metrics;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Metrics;

/// <summary>
/// No ImageNet weights are available offline, so these use a seeded random Inception: the
/// properties checked (zero for identical images, positive for different ones, the report's
/// mean) do not depend on the weights.
/// </summary>
public class SifidScorerTests(ITestOutputHelper output)
{
    private static readonly string[] Ids = ["cju0s690hkp960855tjuaqvv0", "cju0s2a9ekvms080138tjjpxr", "cju0tl3uz8blh0993wxvn7ly3"];

    /// <summary>
    /// He-scaled conv weights from a private generator (the global one is shared with tests
    /// running in parallel) and identity BatchNorm, which keeps the features at a useful scale.
    /// </summary>
    private static InceptionSifidFeatures Features()
    {
        var network = new InceptionV3();
        var gen = new Generator(31);
        using (no_grad())
        {
            foreach (var (name, t) in network.state_dict())
                if (name.EndsWith("conv.weight", StringComparison.Ordinal))
                    t.copy_(randn(t.shape, generator: gen).mul(Math.Sqrt(2.0 / (t.shape[1] * t.shape[2] * t.shape[3]))));
        }
        return new InceptionSifidFeatures(network, CPU);
    }

    [Fact]
    public void Image_against_itself_is_zero()
    {
        using var scope = NewDisposeScope();
        using var features = Features();
        var scorer = new SifidScorer(features);
        var path = TestData.PolypImage(Ids[0]);
        var value = scorer.Score(path, path);
        output.WriteLine($"SIFID(self) = {value:E3}");
        Assert.True(Math.Abs(value) < 1e-6, $"SIFID of an image with itself is {value}");
    }

    [Fact]
    public void Two_different_polyp_images_score_above_zero()
    {
        using var scope = NewDisposeScope();
        using var features = Features();
        var scorer = new SifidScorer(features);
        var value = scorer.Score(TestData.PolypImage(Ids[0]), TestData.PolypImage(Ids[1]));
        output.WriteLine($"{features.MetricName}({Ids[0]}, {Ids[1]}) = {value:R}");
        Assert.Equal("SIFID-Inception", scorer.MetricName);
        Assert.True(value > 1e-3, $"SIFID of two different images is {value}");
    }

    [Fact]
    public void Report_holds_every_pair_and_their_mean()
    {
        using var scope = NewDisposeScope();
        using var features = Features();
        var scorer = new SifidScorer(features);
        var pairs = new[]
        {
            (TestData.PolypImage(Ids[0]), TestData.PolypImage(Ids[1])),
            (TestData.PolypImage(Ids[2]), TestData.PolypImage(Ids[2])),
            (TestData.PolypImage(Ids[1]), TestData.PolypImage(Ids[2])),
        };
        var report = scorer.ScorePairs(pairs);
        Assert.Equal(3, report.Scores.Count);
        Assert.Equal(scorer.Score(pairs[0].Item1, pairs[0].Item2), report.Scores[0].Value, 12);
        Assert.Equal(report.Scores.Average(s => s.Value), report.Mean, 12);
        Assert.Equal(TestData.PolypImage(Ids[2]), report.Scores[2].Fake);
    }

    [Fact]
    public void Tensor_and_file_inputs_agree()
    {
        using var scope = NewDisposeScope();
        using var features = Features();
        var scorer = new SifidScorer(features);
        var (a, b) = (TestData.PolypImage(Ids[0]), TestData.PolypImage(Ids[2]));
        var real = SifidScorer.LoadRgb01(a, CPU);
        Assert.Equal(3, real.shape[1]);
        Assert.True(real.min().item<float>() >= 0 && real.max().item<float>() <= 1);
        Assert.Equal(scorer.Score(a, b), scorer.Score(real, SifidScorer.LoadRgb01(b, CPU)), 12);
    }
}
