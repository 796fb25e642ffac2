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
    public void Leaving_sets_out_keeps_every_other_run_as_it_was()
    {
        var real = Real(30);
        var synthetic = Synthetic(real, 10, styled: true);
        var options = new EvaluationOptions { Folds = 3, MixRealShare = 0.5, SmallDataSizes = [4], Models = ["unetpp", "unet"] };
        var all = EvaluationPlanner.Plan(real, synthetic, options);
        string[] kept = ["real", "synthetic-raw", "real+synthetic-raw-balanced"];
        var some = EvaluationPlanner.Plan(real, synthetic, options with { Sets = kept });
        // A small-data point goes with its family.
        Assert.Equal(["real", "synthetic-raw", "real+synthetic-raw-balanced", "real@4", "synthetic-raw@4"],
            some.Where(r => r.Fold == 0 && r.Model == "unet").Select(r => r.Set));
        Assert.Equal(all.Where(r => kept.Contains(TrainingSets.FamilyOf(r.Set))).Select(r => r.Key), some.Select(r => r.Key));
        foreach (var run in some)
        {
            var same = all.Single(r => r.Key == run.Key);
            Assert.Equal((same.Fold, same.Set, same.Model, same.RealImages), (run.Fold, run.Set, run.Model, run.RealImages));
            Assert.Equal(same.Train, run.Train);
            Assert.Equal(same.Validation, run.Validation);
            Assert.Equal(same.Test, run.Test);
        }
        // The order of the list does not matter; the plan's order does.
        Assert.Equal(some.Select(r => r.Key), EvaluationPlanner.Plan(real, synthetic, options with { Sets = [.. kept.Reverse()] }).Select(r => r.Key));
        // Left-out sets are what makes the default budget differ: it is counted over the plan of every set.
        Assert.NotEqual(EvaluationPlanner.StepsFor(all, 4, 8, null), EvaluationPlanner.StepsFor(EvaluationPlanner.Plan(real, synthetic, options with { Sets = ["real"] }), 4, 8, null));
    }

    [Fact]
    public void A_bad_list_of_sets_is_refused_naming_the_set_and_the_fix()
    {
        var real = Real(12);
        string Refusal(EvaluationOptions options, bool styled = true) =>
            Assert.Throws<ArgumentException>(() => EvaluationPlanner.Plan(real, Synthetic(real, 2, styled), options)).Message;
        Assert.Contains("unknown training set 'synthetic'; the sets are real, synthetic-raw, synthetic-styled", Refusal(new EvaluationOptions { Sets = ["real", "synthetic"] }));
        Assert.Contains("must include 'real'", Refusal(new EvaluationOptions { Sets = ["synthetic-raw"] }));
        Assert.Contains("must include 'real'", Refusal(new EvaluationOptions { Sets = [] }));
        Assert.Contains("'real' is named twice", Refusal(new EvaluationOptions { Sets = ["real", "real"] }));
        Assert.Contains("'real+synthetic-raw' is a real+synthetic mix, and the mixes are turned off",
            Refusal(new EvaluationOptions { Mixed = false, Sets = ["real", "real+synthetic-raw"] }));
        Assert.Contains("'real+synthetic-raw-balanced' needs a mix real share", Refusal(new EvaluationOptions { Sets = ["real", "real+synthetic-raw-balanced"] }));
        Assert.Contains("'synthetic-styled' needs restyled samples and the synthetic set has none",
            Refusal(new EvaluationOptions { Sets = ["real", "synthetic-styled"] }, styled: false));
        // Without restyled samples a list without styled sets is fine.
        Assert.Equal(["real", "synthetic-raw"], EvaluationPlanner.Plan(real, Synthetic(real, 2, false), new EvaluationOptions { Sets = ["real", "synthetic-raw"] })
            .Where(r => r.Fold == 0).Select(r => r.Set));
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
