namespace SinGanSeg.Abstractions;

/// <summary>
/// What a gate does with a flagged sample: keep it and say so, drop it, or try new seeds first;
/// Off: the gate does not run at all (no score, no verdict, no cost). Off is last so the stored
/// numbers of the others stay.
/// </summary>
public enum GatePolicy
{
    Report,
    Drop,
    Regenerate,
    Off,
}

/// <summary>
/// One gate's settings for a job (every gate has the same three; the gates themselves are listed
/// in the Grains' GateRegistry). Threshold is on the gate's score (0 good … 1 bad; for the copy
/// check see docs/PRIVACY.md); null takes the gate's default. Regenerate tries up to MaxTries new
/// seeds, then drops.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GateOptions(
    [property: Id(0)] GatePolicy Policy = GatePolicy.Report,
    [property: Id(1)] double? Threshold = null,
    [property: Id(2)] int MaxTries = 3)
{
    public static GateOptions Default { get; } = new();

    /// <summary>A gate that does not run (its threshold and tries mean nothing).</summary>
    public static GateOptions Off { get; } = new(GatePolicy.Off);

    /// <summary>
    /// Gates that are off unless a job or the site turns them on, because they cost a training per
    /// job (maskAgreement: a segmenter on the job's real pairs). The one place that says so.
    /// </summary>
    public static IReadOnlyList<string> OffByDefault { get; } = ["maskAgreement"];

    /// <summary>A gate's options when nothing names it: off for <see cref="OffByDefault"/>, else report.</summary>
    public static GateOptions DefaultFor(string gate) => OffByDefault.Contains(gate) ? Off : Default;

    /// <summary>These options in canonical form: any off is <see cref="Off"/>.</summary>
    public GateOptions Canonical() => Policy == GatePolicy.Off ? Off : this;
}

/// <summary>
/// The gates of a job, by gate name. Every job is checked by every registered gate that is not
/// off; a gate without an entry takes its default (<see cref="For"/>, <see cref="GateOptions.DefaultFor"/>:
/// report, or off for the gates that cost a training). Entries equal to their gate's default are
/// left out and the rest sorted by name (<see cref="Of"/>), so the same request always has the same
/// settings and fingerprint, and absent settings equal the default ones.
/// </summary>
/// <remarks>
/// A Dictionary built as one, never an interface-typed collection from a collection expression:
/// a job's spec is kept in its grain's stored state, and the Azure and PostgreSQL grain storage
/// (Newtonsoft with type names) write an interface-typed value's runtime type, which for a
/// collection expression is compiler-generated and refused on reading (StateReloadTests). Never
/// changed after it is built. Ids 0 and 1 were the per-gate records before the gates were generic.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record GateSettings([property: Id(2)] Dictionary<string, GateOptions>? Options = null)
{
    public static GateSettings Default { get; } = new(new Dictionary<string, GateOptions>(StringComparer.Ordinal));

    /// <summary>The gate's options; a gate the settings do not name takes its default (report, or off).</summary>
    public GateOptions For(string gate) => Options?.GetValueOrDefault(gate) ?? GateOptions.DefaultFor(gate);

    /// <summary>Whether the gate runs for this job (its policy is not off).</summary>
    public bool IsOn(string gate) => For(gate).Policy != GatePolicy.Off;

    /// <summary>Settings from (gate, options) pairs in canonical form: sorted by name, entries equal to their gate's default left out.</summary>
    public static GateSettings Of(IEnumerable<KeyValuePair<string, GateOptions>> entries)
    {
        var options = new Dictionary<string, GateOptions>(StringComparer.Ordinal);
        foreach (var (gate, o) in entries.Select(e => KeyValuePair.Create(e.Key, e.Value.Canonical()))
                     .Where(e => e.Value != GateOptions.DefaultFor(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal))
            options[gate] = o;
        return new GateSettings(options);
    }

    /// <summary>The same settings in canonical form (what the fingerprint digests).</summary>
    public GateSettings Canonical() => Of(Options ?? Enumerable.Empty<KeyValuePair<string, GateOptions>>());

    // By content, not by dictionary reference: "is this the default?", resubmissions and the tests compare settings.
    public bool Equals(GateSettings? other) =>
        other is not null && Canonical().Options!.OrderBy(e => e.Key, StringComparer.Ordinal)
            .SequenceEqual(other.Canonical().Options!.OrderBy(e => e.Key, StringComparer.Ordinal));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (gate, o) in Canonical().Options!) hash.Add((gate, o));
        return hash.ToHashCode();
    }
}

/// <summary>A named number of a gate's verdict (manifest: a property of the gate's object); null values are left out.</summary>
[GenerateSerializer, Immutable]
public sealed record GateScore(
    [property: Id(0)] string Name,
    [property: Id(1)] double? Value);

/// <summary>A named text of a gate's verdict, such as the copy check's alignment.</summary>
[GenerateSerializer, Immutable]
public sealed record GateNote(
    [property: Id(0)] string Name,
    [property: Id(1)] string Text);

/// <summary>
/// One gate's verdict on a sample (manifest: a property named by the gate, README.md lists the
/// fields): its own scores by name, the combined score, the threshold it was judged against,
/// whether it is flagged, the reasons when the gate gives any (null: the gate gives none, so the
/// manifest has no reasons field), and an optional named text.
/// </summary>
/// <remarks>
/// Arrays, not interfaces: kept in the image grain's stored state, and the Azure and PostgreSQL
/// grain storage write an interface-typed value's runtime type, which for a collection expression
/// is compiler-generated and refused on reading (StateReloadTests).
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record GateVerdict(
    [property: Id(0)] string Gate,
    [property: Id(1)] double Score,
    [property: Id(2)] double Threshold,
    [property: Id(3)] bool Flagged,
    [property: Id(4)] GateScore[] Scores,
    [property: Id(5)] string[]? Reasons = null,
    [property: Id(6)] GateNote? Detail = null)
{
    /// <summary>One of the gate's scores by name ("score" is the combined one); null when absent.</summary>
    public double? Value(string name) => name == "score" ? Score : Scores.FirstOrDefault(s => s.Name == name)?.Value;
}

/// <summary>
/// Per image (and summed per job): samples checked, flagged by each gate (by gate name; every gate
/// that ran has an entry), regenerated, dropped. Flagged counts the final verdicts (a redraw that
/// passed is not flagged), so RegeneratedBy says which gate asked for each redraw: without it a job
/// whose quality gate redrew 40 samples that then passed read as "0 quality-flagged, 40 regenerated".
/// Ids 1 and 2 were the two gates' counts before the gates were generic.
/// </summary>
/// <remarks>Dictionaries built as one, never replaced in place: see <see cref="GateSettings"/>.</remarks>
[GenerateSerializer, Immutable]
public sealed record GateCounts(
    [property: Id(0)] int Checked = 0,
    [property: Id(3)] int Regenerated = 0,
    [property: Id(4)] int Dropped = 0,
    [property: Id(5)] Dictionary<string, int>? Flagged = null,
    [property: Id(6)] Dictionary<string, int>? RegeneratedBy = null)
{
    /// <summary>Samples the gate flagged (0 for a gate that did not run).</summary>
    public int FlaggedBy(string gate) => Flagged?.GetValueOrDefault(gate) ?? 0;

    /// <summary>Draws made again because this gate flagged them (0 for a gate that asked for none).</summary>
    public int RegeneratedFor(string gate) => RegeneratedBy?.GetValueOrDefault(gate) ?? 0;

    /// <summary>
    /// Whether every redraw is attributed to a gate: false when a count was stored before the
    /// per-gate counts existed (a job resumed across that change), so a breakdown would mislead.
    /// </summary>
    public bool RedrawsAttributed => Entries(RegeneratedBy).Sum(e => e.Value) == Regenerated;

    /// <summary>
    /// "6 checked, 3 copyCheck-flagged, 1 quality-flagged, 5 regenerated (4 by quality, 1 by copyCheck), 2 dropped":
    /// a flag count per gate that ran (final draws), then which gates asked for the redraws, most first
    /// (left out when there were none, or when some predate the per-gate counts).
    /// </summary>
    public string Describe()
    {
        var by = Entries(RegeneratedBy).Where(e => e.Value > 0).OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).ToList();
        var redraws = by.Count == 0 || !RedrawsAttributed ? "" : $" ({string.Join(", ", by.Select(e => $"{e.Value} by {e.Key}"))})";
        return $"{Checked} checked, {string.Concat(Entries(Flagged).Select(f => $"{f.Value} {f.Key}-flagged, "))}{Regenerated} regenerated{redraws}, {Dropped} dropped";
    }

    public static GateCounts Sum(IEnumerable<GateCounts?> counts)
    {
        int checkedCount = 0, regenerated = 0, dropped = 0;
        var flagged = new Dictionary<string, int>(StringComparer.Ordinal);
        var regeneratedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in counts)
        {
            if (c is null) continue;
            checkedCount += c.Checked;
            regenerated += c.Regenerated;
            dropped += c.Dropped;
            foreach (var (gate, n) in Entries(c.Flagged)) flagged[gate] = flagged.GetValueOrDefault(gate) + n;
            foreach (var (gate, n) in Entries(c.RegeneratedBy)) regeneratedBy[gate] = regeneratedBy.GetValueOrDefault(gate) + n;
        }
        return new GateCounts(checkedCount, regenerated, dropped, flagged, regeneratedBy);
    }

    // By content, not by dictionary reference (progress and statuses are compared).
    public bool Equals(GateCounts? other) =>
        other is not null && (Checked, Regenerated, Dropped) == (other.Checked, other.Regenerated, other.Dropped)
        && Same(Flagged, other.Flagged) && Same(RegeneratedBy, other.RegeneratedBy);

    public override int GetHashCode() => HashCode.Combine(Checked, Regenerated, Dropped, Flagged?.Values.Sum() ?? 0);

    private static bool Same(Dictionary<string, int>? a, Dictionary<string, int>? b) =>
        Entries(a).OrderBy(e => e.Key, StringComparer.Ordinal).SequenceEqual(Entries(b).OrderBy(e => e.Key, StringComparer.Ordinal));

    private static IEnumerable<KeyValuePair<string, int>> Entries(Dictionary<string, int>? counts) => counts ?? Enumerable.Empty<KeyValuePair<string, int>>();

    public override string ToString() =>
        $"GateCounts {{ Checked = {Checked}, Flagged = {{ {Listed(Flagged)} }}, Regenerated = {Regenerated}, RegeneratedBy = {{ {Listed(RegeneratedBy)} }}, Dropped = {Dropped} }}";

    private static string Listed(Dictionary<string, int>? counts) => string.Join(", ", Entries(counts).Select(e => $"{e.Key} = {e.Value}"));
}
