namespace SinGanSeg.Core.Evaluation;

/// <summary>Mean ± standard deviation over folds of one metric.</summary>
public sealed record Spread(double Mean, double Std, int Folds)
{
    public static Spread Of(IReadOnlyCollection<double> values)
    {
        var mean = values.Average();
        var std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new Spread(mean, std, values.Count);
    }

    public override string ToString() => FormattableString.Invariant($"{Mean:F3} ± {Std:F3}");
}

/// <summary>One model's test scores on one training set over the folds.</summary>
public sealed record SetSummary(string Set, int? RealImages, double TrainPairsPerFold, Spread Iou, Spread Dice, Spread Precision, Spread Recall, Spread Accuracy,
    string Model = Segmentation.SegmentationModels.UNetPlusPlus)
{
    /// <summary>Per (model, set): models in <see cref="Segmentation.SegmentationModels.All"/> order, then full sets before the small-data curve.</summary>
    public static IReadOnlyList<SetSummary> From(IEnumerable<EvaluationResult> results) => results
        .GroupBy(r => (r.Model, r.Set))
        .Select(g =>
        {
            var list = g.ToList();
            return new SetSummary(g.Key.Set, list[0].RealImages, list.Average(r => r.TrainPairs),
                Spread.Of(list.Select(r => r.Test.Iou).ToList()), Spread.Of(list.Select(r => r.Test.Dice).ToList()),
                Spread.Of(list.Select(r => r.Test.Precision).ToList()), Spread.Of(list.Select(r => r.Test.Recall).ToList()),
                Spread.Of(list.Select(r => r.Test.Accuracy).ToList()), g.Key.Model);
        })
        .OrderBy(s => ModelRank(s.Model)).ThenBy(s => s.RealImages ?? int.MaxValue).ThenBy(s => TrainingSets.Rank(s.Set)).ThenBy(s => s.Set, StringComparer.Ordinal)
        .ToList();

    private static int ModelRank(string model) =>
        Segmentation.SegmentationModels.All.ToList().IndexOf(model) is var i and >= 0 ? i : int.MaxValue;
}
