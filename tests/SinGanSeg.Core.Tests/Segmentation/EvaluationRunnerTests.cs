using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Segmentation;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Segmentation;

[Collection(GlobalGeneratorCollection.Name)]
public sealed class EvaluationRunnerTests
{
    private static SegmentationPair Pair(string id) => new(id, TestData.PolypImage(id), TestData.PolypMask(id));

    [Fact]
    public void A_run_repeats_exactly_whatever_drew_from_the_global_generator_before_it()
    {
        var ids = Directory.GetFiles(Path.Combine(TestData.Polyps, "images"), "*.jpg").Order().Select(f => Path.GetFileNameWithoutExtension(f)!).ToList();
        var run = new EvaluationRun("unet-fold1-real", 1, "real", null, [.. ids.Take(6).Select(Pair)], [.. ids.Skip(6).Take(2).Select(Pair)],
            [.. ids.Skip(8).Take(4).Select(Pair)], SegmentationModels.UNet);
        var config = new SegmentationTrainingConfig { ImageSize = 32, Steps = 6, Epochs = 2, BatchSize = 4, LearningRate = 1e-3, UNet = new UNetConfig { Widths = [16, 32] } };
        var runner = new EvaluationRunner(config, CPU);

        var first = runner.Run(run);
        // Another run or module drawing from libtorch's process-wide generator in between, as
        // the evaluation's concurrent runs do: the initial weights must not depend on it. (Through
        // the same lock, so that this test cannot disturb another test's seeded construction
        // running in parallel.)
        SeededInit.Create(12345, () =>
        {
            using var draws = randn(1000);
            return 0;
        });
        var second = runner.Run(run);

        Assert.Equal(first.Test.Dice, second.Test.Dice);
        Assert.Equal(first.BestValidationIou, second.BestValidationIou);
        // A different fold's seed starts elsewhere (the seed is used, not ignored).
        var other = runner.Run(run with { Fold = 2 });
        Assert.NotEqual(first.BestValidationIou + first.Test.Dice, other.BestValidationIou + other.Test.Dice);
    }
}
