namespace SinGanSeg.Core.Quality;

/// <summary>A sample's quality verdict inputs and result; Score is 0 (fine) … 1 (fully out on some measure).</summary>
public sealed record QualityScores(double Foreground, double SourceForeground, double ImageStd, double? Sifid, double? SifidRobustZ,
    double Score, IReadOnlyList<string> Reasons);

/// <summary>
/// The quality gate's measures, each mapped to 0…1 so one threshold covers them: an empty mask
/// (1), a foreground share far from the source's (1 at a factor of <see cref="ForegroundFactor"/>
/// either way), a collapsed near-constant image (1 at luma std ≤ <see cref="CollapsedStd"/>), and
/// a SIFID outlier among the model's own samples (1 at a robust z-score, median and MAD, of
/// <see cref="SifidOutlierZ"/>). The reasons list the measures at 1.
/// </summary>
public static class QualityScorer
{
    public const double Default = 1.0;
    public const double ForegroundFactor = 4.0;
    public const double CollapsedStd = 0.02;
    public const double SifidOutlierZ = 3.5;

    public static QualityScores Score(double foreground, double sourceForeground, double imageStd, double? sifid, SifidSpread? spread)
    {
        var parts = new List<(string Reason, double Value)>
        {
            ("empty-mask", foreground <= 0 && sourceForeground > 0 ? 1 : 0),
            ("foreground-off", ForegroundScore(foreground, sourceForeground)),
            ("collapsed-image", Math.Clamp((2 * CollapsedStd - imageStd) / CollapsedStd, 0, 1)),
        };
        double? z = sifid is { } s && spread is { } sp ? sp.RobustZ(s) : null;
        if (z is { } zz) parts.Add(("sifid-outlier", Math.Clamp((zz - 2) / (SifidOutlierZ - 2), 0, 1)));
        var score = parts.Max(p => p.Value);
        return new QualityScores(foreground, sourceForeground, imageStd, sifid, z, score, [.. parts.Where(p => p.Value >= 1).Select(p => p.Reason)]);
    }

    /// <summary>|log ratio| of the foreground shares over log of the allowed factor; an empty source mask accepts anything.</summary>
    public static double ForegroundScore(double foreground, double sourceForeground)
    {
        if (sourceForeground <= 0) return 0;
        if (foreground <= 0) return 1;
        return Math.Clamp(Math.Abs(Math.Log(foreground / sourceForeground)) / Math.Log(ForegroundFactor), 0, 1);
    }
}

/// <summary>Median and MAD of a model's samples' SIFID; a sample is judged against its siblings, not an absolute scale.</summary>
public sealed record SifidSpread(double Median, double Mad)
{
    /// <summary>Needs at least 4 values to say anything; null otherwise.</summary>
    public static SifidSpread? Of(IReadOnlyCollection<double> values)
    {
        if (values.Count < 4) return null;
        var median = MedianOf(values);
        var mad = MedianOf([.. values.Select(v => Math.Abs(v - median))]);
        return new SifidSpread(median, mad);
    }

    /// <summary>(x − median) / (1.4826·MAD); only high SIFID (worse) counts, so the result is one-sided.</summary>
    public double RobustZ(double value)
    {
        var scale = 1.4826 * Mad;
        if (scale <= 1e-12) scale = Math.Max(1e-6, 0.05 * Math.Abs(Median));
        return (value - Median) / scale;
    }

    private static double MedianOf(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
