namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// A training set's Dice minus real-only's on the same fold (and split), over the folds: the mean,
/// its standard deviation, and a 95 % confidence interval of the mean from Student's t. Pairing
/// removes the fold-to-fold spread, which is larger than most effects of the synthetic data; the
/// interval says how far the mean could move with other folds. It assumes independent folds: folds
/// of one split share no training image, but splits of the same pairs do, so an interval over
/// pooled splits is somewhat too narrow.
/// </summary>
public sealed record PairedDifference(double Mean, double Std, int Folds, double Low, double High, int FoldsAtOrAbove)
{
    /// <summary>None for fewer than two folds: one difference has no spread to build an interval from.</summary>
    public static PairedDifference? Of(IReadOnlyCollection<double> differences)
    {
        if (differences.Count < 2) return null;
        var spread = Spread.Of(differences);
        var half = StudentT.Quantile975(differences.Count - 1) * spread.Std / Math.Sqrt(differences.Count);
        return new PairedDifference(spread.Mean, spread.Std, differences.Count, spread.Mean - half, spread.Mean + half, differences.Count(d => d >= 0));
    }

    /// <summary>"+0.012 ± 0.030 (95 % CI −0.025 … +0.049), 2/3 folds ≥ real".</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{Signed(Mean)} ± {Std:F3} (95 % CI {Signed(Low)} … {Signed(High)}), {FoldsAtOrAbove}/{Folds} folds ≥ real");

    /// <summary>A difference as every paired table prints it: "+0.013", "−0.044", "0.000".</summary>
    public static string Signed(double v) => v.ToString("+0.000;−0.000;0.000", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Student's t distribution, as far as the paired intervals need it.</summary>
public static class StudentT
{
    // Two-sided 95 % (upper 0.975) quantiles for 1–30 degrees of freedom, to three decimals as printed in every table.
    private static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>The 0.975 quantile: the table up to 30 degrees of freedom, beyond it the Cornish–Fisher expansion around the normal's 1.96 (error below 1e-4 there).</summary>
    public static double Quantile975(int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (degreesOfFreedom <= Table.Length) return Table[degreesOfFreedom - 1];
        const double z = 1.959963984540054;
        double v = degreesOfFreedom, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
    }
}
