namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// The training sets an evaluation compares, in one place: their names (as the planner builds them,
/// and as report.json, the tables and the study read them), their order in every table and chart
/// (real first, the mixes last) and their colour in every chart. A small-data point is a family's
/// name with the number of real images after '@' ("real@5").
/// </summary>
public static class TrainingSets
{
    public const string Real = "real";
    public const string SyntheticRaw = "synthetic-raw";
    public const string SyntheticStyled = "synthetic-styled";
    public const string RealSyntheticRaw = "real+synthetic-raw";
    public const string RealSyntheticStyled = "real+synthetic-styled";
    public const string RealSyntheticRawBalanced = "real+synthetic-raw-balanced";
    public const string RealSyntheticStyledBalanced = "real+synthetic-styled-balanced";

    /// <summary>The families in table order, with the colour (hex, and its name for the Markdown) of their bars and lines.</summary>
    public static IReadOnlyList<(string Family, string Colour, string ColourName)> Families { get; } =
    [
        (Real, "#1f77b4", "blue"),
        (SyntheticRaw, "#ff7f0e", "orange"),
        (SyntheticStyled, "#2ca02c", "green"),
        (RealSyntheticRaw, "#d62728", "red"),
        (RealSyntheticStyled, "#9467bd", "purple"),
        (RealSyntheticRawBalanced, "#8c564b", "brown"),
        (RealSyntheticStyledBalanced, "#e377c2", "pink"),
    ];

    /// <summary>The families trained on restyled samples: a dataset without them cannot have these sets.</summary>
    public static IReadOnlyList<string> Styled { get; } = [SyntheticStyled, RealSyntheticStyled, RealSyntheticStyledBalanced];

    /// <summary>"synthetic-raw@5" → "synthetic-raw".</summary>
    public static string FamilyOf(string set) => set.Split('@')[0];

    /// <summary>A small-data point of a family: "real@5".</summary>
    public static string AtSize(string family, int realImages) => $"{family}@{realImages}";

    /// <summary>The real-only set a set is compared with: "real" for the full sets, "real@N" on the small-data curve.</summary>
    public static string RealOf(string set) => set.Contains('@') ? AtSize(Real, int.Parse(set.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture)) : Real;

    /// <summary>The order of a set in every table and chart; an unknown family sorts last.</summary>
    public static int Rank(string set)
    {
        var family = FamilyOf(set);
        for (var i = 0; i < Families.Count; i++)
            if (Families[i].Family == family) return i;
        return Families.Count;
    }

    /// <summary>The colour of a set's family in every chart; grey for an unknown family.</summary>
    public static string ColourOf(string set) => Rank(set) is var i && i < Families.Count ? Families[i].Colour : "#7f7f7f";
}
