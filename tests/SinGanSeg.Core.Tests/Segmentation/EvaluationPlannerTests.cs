using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Tests.Segmentation;

public sealed class EvaluationPlannerTests
{
    private static List<SegmentationPair> Real(int n) =>
        Enumerable.Range(0, n).Select(i => new SegmentationPair($"img{i:D2}", $"/r/img{i:D2}.jpg", $"/m/img{i:D2}.jpg")).ToList();

    private static List<SyntheticPair> Synthetic(IEnumerable<SegmentationPair> real, int perImage, bool styled) =>
        real.SelectMany(r => Enumerable.Range(0, perImage).Select(k =>
            new SyntheticPair($"{r.Name}_seed1_{k:D4}", $"/s/{r.Name}_{k}.png", $"/s/m/{r.Name}_{k}.png", r.Name, styled ? $"/s/{r.Name}_{k}_styled.png" : null))).ToList();

    [Fact]
    public void Folds_partition_the_real_images_and_no_synthetic_pair_leaks_from_validation_or_test()
    {
        var real = Real(30);
        var runs = EvaluationPlanner.Plan(real, Synthetic(real, 3, styled: true), new EvaluationOptions { Folds = 3, SmallDataSizes = [4] });
        var tests = runs.GroupBy(r => r.Fold).Select(g => g.First().Test.Select(t => t.Name).ToHashSet()).ToList();
        Assert.Equal(3, tests.Count);
        Assert.Equal(30, tests.Sum(t => t.Count));
        Assert.Equal(30, tests.SelectMany(t => t).Distinct().Count());
        foreach (var run in runs)
        {
            var held = run.Test.Concat(run.Validation).Select(p => p.Name).ToHashSet();
            Assert.Empty(run.Validation.Select(v => v.Name).Intersect(run.Test.Select(t => t.Name)));
            Assert.DoesNotContain(run.Train, p => held.Any(h => p.Name.StartsWith(h, StringComparison.Ordinal)));
        }
        var sets = runs.Where(r => r.Fold == 0).Select(r => r.Set).ToList();
        Assert.Equal(["real", "synthetic-raw", "synthetic-styled", "real+synthetic-raw", "real+synthetic-styled", "real@4", "synthetic-raw@4", "synthetic-styled@4"], sets);
        var realRun = runs.Single(r => r.Key == "fold0-real");
        Assert.Equal(3 * realRun.Train.Count, runs.Single(r => r.Key == "fold0-synthetic-raw").Train.Count);
        Assert.Equal(12, runs.Single(r => r.Key == "fold0-synthetic-raw@4").Train.Count);
        Assert.All(runs.Single(r => r.Key == "fold0-synthetic-styled").Train, p => Assert.EndsWith("_styled", p.Name));
    }

    [Fact]
    public void The_split_is_deterministic_and_depends_on_the_seed()
    {
        var real = Real(12);
        var a = EvaluationPlanner.Plan(real, [], new EvaluationOptions { Seed = 1 });
        var b = EvaluationPlanner.Plan(real.AsEnumerable().Reverse().ToList(), [], new EvaluationOptions { Seed = 1 });
        var c = EvaluationPlanner.Plan(real, [], new EvaluationOptions { Seed = 2 });
        Assert.Equal(a.Select(r => string.Join(",", r.Test.Select(t => t.Name))), b.Select(r => string.Join(",", r.Test.Select(t => t.Name))));
        Assert.NotEqual(a.Select(r => string.Join(",", r.Test.Select(t => t.Name))), c.Select(r => string.Join(",", r.Test.Select(t => t.Name))));
    }

    [Fact]
    public void Both_models_train_on_identical_splits_and_every_run_gets_the_same_gradient_steps()
    {
        var real = Real(30);
        var synthetic = Synthetic(real, 5, styled: false);
        var runs = EvaluationPlanner.Plan(real, synthetic, new EvaluationOptions { Folds = 3, Models = ["unet", "unetpp"] });
        Assert.Equal(["unetpp", "unet"], runs.Select(r => r.Model).Distinct());
        var unetpp = runs.Where(r => r.Model == "unetpp").ToList();
        var unet = runs.Where(r => r.Model == "unet").ToList();
        Assert.Equal(unetpp.Count, unet.Count);
        Assert.Contains(unetpp, r => r.Key == "fold0-real");                       // UNet++ keeps its historical keys
        Assert.Contains(unet, r => r.Key == "unet-fold0-real");
        Assert.Equal(runs.Count, runs.Select(r => r.Key).Distinct().Count());
        foreach (var a in unetpp)
        {
            var b = unet.Single(r => r.Fold == a.Fold && r.Set == a.Set);
            Assert.Equal(a.Train.Select(p => p.Name), b.Train.Select(p => p.Name));
            Assert.Equal(a.Validation.Select(p => p.Name), b.Validation.Select(p => p.Name));
            Assert.Equal(a.Test.Select(p => p.Name), b.Test.Select(p => p.Name));
        }
        // Steps: 4 passes over the largest set (real + 5 samples of each of 16 training images = 96 pairs) in batches of 8.
        var largest = runs.Max(r => r.Train.Count);
        Assert.Equal(16 * 6, largest);
        Assert.Equal(4 * 12, EvaluationPlanner.StepsFor(runs, epochs: 4, batchSize: 8, steps: null));
        Assert.Equal(500, EvaluationPlanner.StepsFor(runs, epochs: 4, batchSize: 8, steps: 500));
        Assert.Contains("unknown segmentation model 'resnet'",
            Assert.Throws<ArgumentException>(() => EvaluationPlanner.Plan(real, synthetic, new EvaluationOptions { Models = ["resnet"] })).Message);
    }

    [Fact]
    public void Balanced_mixes_repeat_the_real_pairs_to_the_share_without_leaks_or_a_larger_budget()
    {
        var real = Real(30);
        var synthetic = Synthetic(real, 10, styled: true);
        var plain = EvaluationPlanner.Plan(real, synthetic, new EvaluationOptions { Folds = 3 });
        var runs = EvaluationPlanner.Plan(real, synthetic, new EvaluationOptions { Folds = 3, MixRealShare = 0.5 });
        Assert.Equal(["real", "synthetic-raw", "synthetic-styled", "real+synthetic-raw", "real+synthetic-styled",
            "real+synthetic-raw-balanced", "real+synthetic-styled-balanced"], runs.Where(r => r.Fold == 0).Select(r => r.Set));
        foreach (var fold in Enumerable.Range(0, 3))
        {
            var mix = runs.Single(r => r.Fold == fold && r.Set == "real+synthetic-raw");
            var train = runs.Single(r => r.Fold == fold && r.Set == "real").Train;
            foreach (var kind in new[] { "raw", "styled" })
            {
                var balanced = runs.Single(r => r.Fold == fold && r.Set == $"real+synthetic-{kind}-balanced");
                var names = train.Select(p => p.Name).ToHashSet();
                var realDraws = balanced.Train.Count(p => names.Contains(p.Name));
                // 16 real training pairs against 160 synthetic: each repeated 10 times, half of the set.
                Assert.Equal(10 * train.Count, realDraws);
                Assert.Equal(10 * train.Count, balanced.Train.Count - realDraws);
                Assert.All(train, p => Assert.Equal(10, balanced.Train.Count(q => q == p)));
                // The same distinct pairs as the plain mix of that kind: nothing else enters, in particular
                // no validation or test image and none of their samples.
                var plainMix = runs.Single(r => r.Fold == fold && r.Set == $"real+synthetic-{kind}").Train;
                Assert.Equal(plainMix.Select(p => p.Name).Order(), balanced.Train.Distinct().Select(p => p.Name).Order());
                var held = balanced.Test.Concat(balanced.Validation).Select(p => p.Name).ToHashSet();
                Assert.DoesNotContain(balanced.Train, p => held.Any(h => p.Name.StartsWith(h, StringComparison.Ordinal)));
            }
            Assert.Equal(mix.Train.Count, train.Count * 11);
        }
        // Repeats are not new data: the budget is that of the plain plan.
        Assert.Equal(EvaluationPlanner.StepsFor(plain, 4, 8, null), EvaluationPlanner.StepsFor(runs, 4, 8, null));
        // A share that the real pairs already reach leaves them once; an odd share rounds the repeats up.
        Assert.Equal(2 + 10, EvaluationPlanner.Balanced(Real(2), Real(10), 0.1).Count());
        Assert.Equal(3 * 4 + 10, EvaluationPlanner.Balanced(Real(4), Real(10), 0.5).Count());
        Assert.Empty(EvaluationPlanner.Balanced(Real(4), [], 0.5));
        foreach (var bad in new[] { 0.0, 1.0, -0.5, double.NaN })
            Assert.Contains("mix real share must be between 0 and 1", Assert.Throws<ArgumentException>(() => new EvaluationOptions { MixRealShare = bad }.Validate()).Message);
    }

    [Fact]
    public void Bad_plans_are_refused_with_the_reason()
    {
        Assert.Contains("too few", Assert.Throws<ArgumentException>(() => EvaluationPlanner.Plan(Real(4), [], new EvaluationOptions { Folds = 3 })).Message);
        var orphan = Synthetic(Real(1), 1, false);
        Assert.Contains("not among the real images", Assert.Throws<ArgumentException>(() => EvaluationPlanner.Plan(Real(12).Skip(1).ToList(), orphan, new EvaluationOptions())).Message);
        Assert.Throws<ArgumentException>(() => new EvaluationOptions { Folds = 1 }.Validate());
    }
}
