namespace SinGanSeg.Grains.Common;

public static class Averages
{
    /// <summary>The mean of the values present, or null when none is.</summary>
    public static double? MeanOf(IEnumerable<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : present.Average();
    }
}
