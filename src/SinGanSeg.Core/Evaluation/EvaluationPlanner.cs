using System.Security.Cryptography;
using System.Text;
using SinGanSeg.Core.Segmentation;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// Cross-validation by real image. Images are ordered by a seeded hash of their name (stable
/// under adding or removing other images) and dealt into k folds. Fold f tests on its own real
/// images; of the rest, a seeded share validates (checkpoint selection) and the remainder
/// trains. Synthetic pairs count as training data of a fold only if generated from that fold's
/// training images, so no test or validation image leaks into training through its samples.
/// Every (fold, set) is trained once per model, on identical splits. UNet++ runs keep their
/// historical keys ("fold0-real"); other models' keys are prefixed ("unet-fold0-real").
/// </summary>
public static class EvaluationPlanner
{
    /// <param name="externalTest">
    /// A fixed set of real test images (e.g. the rest of a dataset). Then every fold tests on it,
    /// and a fold's own held-out images only select the checkpoint.
    /// </param>
    public static IReadOnlyList<EvaluationRun> Plan(IReadOnlyList<SegmentationPair> real, IReadOnlyList<SyntheticPair> synthetic, EvaluationOptions options,
        IReadOnlyList<SegmentationPair>? externalTest = null)
    {
        options.Validate();
        if (real.Count < options.Folds * 2)
            throw new ArgumentException($"{real.Count} real images are too few for {options.Folds} folds (need at least {options.Folds * 2})");
        var duplicate = real.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"real image name '{duplicate.Key}' appears twice");
        var names = real.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var overlap = externalTest?.FirstOrDefault(t => names.Contains(t.Name));
        if (overlap is not null) throw new ArgumentException($"test image '{overlap.Name}' is also a training image; the test set must be held out");
        var orphan = synthetic.FirstOrDefault(s => !names.Contains(s.Source));
        if (orphan is not null)
            throw new ArgumentException($"synthetic pair {orphan.Name} comes from '{orphan.Source}', which is not among the real images; give the real images the synthetic set was made from");
        var hasStyled = synthetic.Any(s => s.StyledImagePath is not null);
        var models = SegmentationModels.Normalize(options.Models).ToList();

        var ordered = real.OrderBy(r => Hash(options.Seed, r.Name), StringComparer.Ordinal).ToList();
        var runs = new List<EvaluationRun>();
        for (var fold = 0; fold < options.Folds; fold++)
        {
            var held = ordered.Where((_, i) => i % options.Folds == fold).ToList();
            var rest = ordered.Where((_, i) => i % options.Folds != fold).OrderBy(r => Hash(options.Seed + 1, r.Name), StringComparer.Ordinal).ToList();
            List<SegmentationPair> test, validation, train;
            if (externalTest is { Count: > 0 })
            {
                (test, validation, train) = (externalTest.ToList(), held, rest);
            }
            else
            {
                var validationCount = Math.Max(1, (int)Math.Round(rest.Count * options.ValidationFraction));
                (test, validation, train) = (held, rest.Take(validationCount).ToList(), rest.Skip(validationCount).ToList());
            }
            void Add(string set, IEnumerable<SegmentationPair> pairs, int? realImages = null)
            {
                var list = pairs.ToList();
                if (list.Count == 0) return;
                foreach (var model in models)
                    runs.Add(new EvaluationRun(KeyOf(model, fold, set), fold, set, realImages, list, validation, test, model));
            }
            IEnumerable<SegmentationPair> Raw(IEnumerable<SegmentationPair> from) => SyntheticOf(from).Select(s => s.Raw);
            IEnumerable<SegmentationPair> Styled(IEnumerable<SegmentationPair> from) => SyntheticOf(from).Where(s => s.Styled is not null).Select(s => s.Styled!);
            IEnumerable<SyntheticPair> SyntheticOf(IEnumerable<SegmentationPair> from)
            {
                var sources = from.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                return synthetic.Where(s => sources.Contains(s.Source));
            }

            Add(TrainingSets.Real, train);
            Add(TrainingSets.SyntheticRaw, Raw(train));
            if (hasStyled) Add(TrainingSets.SyntheticStyled, Styled(train));
            if (options.Mixed)
            {
                Add(TrainingSets.RealSyntheticRaw, train.Concat(Raw(train)));
                if (hasStyled) Add(TrainingSets.RealSyntheticStyled, train.Concat(Styled(train)));
            }
            if (options.MixRealShare is { } share)
            {
                Add(TrainingSets.RealSyntheticRawBalanced, Balanced(train, Raw(train).ToList(), share));
                if (hasStyled) Add(TrainingSets.RealSyntheticStyledBalanced, Balanced(train, Styled(train).ToList(), share));
            }
            foreach (var n in options.SmallDataSizes.Where(n => n < train.Count).Distinct().Order())
            {
                var few = train.Take(n).ToList();
                Add(TrainingSets.AtSize(TrainingSets.Real, n), few, n);
                Add(TrainingSets.AtSize(TrainingSets.SyntheticRaw, n), Raw(few), n);
                if (hasStyled) Add(TrainingSets.AtSize(TrainingSets.SyntheticStyled, n), Styled(few), n);
            }
        }
        if (options.Sets is { } kept)
        {
            var styled = kept.FirstOrDefault(TrainingSets.Styled.Contains);
            if (styled is not null && !hasStyled)
                throw new ArgumentException($"training set '{styled}' needs restyled samples and the synthetic set has none; drop it from the sets or run style transfer");
            runs.RemoveAll(r => !kept.Contains(TrainingSets.FamilyOf(r.Set)));
        }
        return [.. runs.OrderBy(r => models.IndexOf(r.Model))];
    }

    /// <summary>
    /// The real pairs, repeated the fewest whole times that makes them at least <paramref name="share"/>
    /// of the set, then the synthetic pairs. Repeats are the same pairs (augmentation still varies
    /// each draw); <see cref="StepsFor"/> counts them once, so the budget is not changed by them.
    /// </summary>
    public static IEnumerable<SegmentationPair> Balanced(IReadOnlyList<SegmentationPair> real, IReadOnlyList<SegmentationPair> synthetic, double share)
    {
        if (synthetic.Count == 0) return [];
        var repeats = Math.Max(1, (int)Math.Ceiling(share / (1 - share) * synthetic.Count / real.Count - 1e-9));
        return Enumerable.Repeat(real, repeats).SelectMany(r => r).Concat(synthetic);
    }

    public static string KeyOf(string model, int fold, string set) =>
        model == SegmentationModels.UNetPlusPlus ? $"fold{fold}-{set}" : $"{model}-fold{fold}-{set}";

    /// <summary>
    /// Gradient steps every run of a plan takes: <paramref name="steps"/> if given, otherwise
    /// <paramref name="epochs"/> passes over the largest training set of the plan (of every set: pass the
    /// plan without <see cref="EvaluationOptions.Sets"/>, so leaving sets out changes no run), counted in distinct
    /// pairs (a balanced mix's repeated real pairs once). One number for all runs, so a small real
    /// set trains as long as a large synthetic one and the comparison measures the data, not the
    /// training budget; asking for balanced mixes does not change the other sets' budget.
    /// </summary>
    public static int StepsFor(IReadOnlyList<EvaluationRun> runs, int epochs, int batchSize, int? steps)
    {
        if (steps is not null) return steps.Value;
        var largest = runs.Count == 0 ? 1 : runs.Max(r => r.Train.Distinct().Count());
        return epochs * ((largest + batchSize - 1) / batchSize);
    }

    private static string Hash(long seed, string name) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{name}")));
}
