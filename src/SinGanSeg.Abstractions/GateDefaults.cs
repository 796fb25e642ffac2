namespace SinGanSeg.Abstractions;

/// <summary>One gate's settings as text: a policy name (report|drop|regenerate|off) and a threshold; null = not set.</summary>
public sealed record GateChoice(string? Policy = null, double? Threshold = null)
{
    /// <summary>This choice over a fallback: each field set here wins.</summary>
    public GateChoice Over(GateChoice? fallback) => new(Policy ?? fallback?.Policy, Threshold ?? fallback?.Threshold);
}

/// <summary>
/// Gate settings as text (CLI options, API fields, configuration and Helm values), by gate name
/// (case-insensitive), plus the tries every gate shares. Unset fields take the site's defaults,
/// then the gates' own (the Grains' GateRegistry turns these into <see cref="GateSettings"/>,
/// checking the names).
/// </summary>
public sealed record GateDefaults
{
    private static readonly IReadOnlyDictionary<string, GateChoice> None = new Dictionary<string, GateChoice>();

    /// <summary>Gate name → its settings.</summary>
    public IReadOnlyDictionary<string, GateChoice> Gates { get; init; } = None;

    /// <summary>New seeds tried per flagged sample under regenerate, for every gate (default 3).</summary>
    public int? GateTries { get; init; }

    /// <summary>The gate's settings here, looked up case-insensitively; null when not named.</summary>
    public GateChoice? For(string gate) =>
        Gates.TryGetValue(gate, out var exact) ? exact
        : Gates.FirstOrDefault(e => string.Equals(e.Key, gate, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>These settings with a gate's choice laid over what they already say for it (its set fields win).</summary>
    public GateDefaults With(string gate, GateChoice choice)
    {
        var key = Gates.Keys.FirstOrDefault(k => string.Equals(k, gate, StringComparison.OrdinalIgnoreCase)) ?? gate;
        var gates = new Dictionary<string, GateChoice>(Gates, StringComparer.Ordinal) { [key] = choice.Over(For(gate)) };
        return this with { Gates = gates };
    }

    /// <summary>Several gates' choices laid over these (see <see cref="With"/>), in order.</summary>
    public GateDefaults With(IEnumerable<KeyValuePair<string, GateChoice>> choices) =>
        choices.Aggregate(this, (d, c) => d.With(c.Key, c.Value));

    /// <summary>
    /// The per-gate fields from before the gates were generic (CLI --copy-check, --copy-threshold,
    /// --quality, --quality-threshold; API copyCheck, copyThreshold, quality, qualityThreshold;
    /// configuration Gates:CopyThreshold and Gates:QualityThreshold), still accepted as aliases of
    /// those two gates' entries. A new gate has no such fields: it is set by name only.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, GateChoice>> Aliases(string? copyCheck, double? copyThreshold, string? quality, double? qualityThreshold)
    {
        if (copyCheck is not null || copyThreshold is not null) yield return new("copyCheck", new GateChoice(copyCheck, copyThreshold));
        if (quality is not null || qualityThreshold is not null) yield return new("quality", new GateChoice(quality, qualityThreshold));
    }

    /// <summary>The configuration keys (under Gates) that are aliases of a gate's threshold: key → gate.</summary>
    public static IReadOnlyDictionary<string, string> ThresholdAliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["CopyThreshold"] = "copyCheck",
        ["QualityThreshold"] = "quality",
    };

    /// <summary>A gate's policy from text; no text is the gate's default (report, or off: <see cref="GateOptions.DefaultFor"/>).</summary>
    public static GatePolicy ParsePolicy(string? text, string gate) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => GateOptions.DefaultFor(gate).Policy,
        "report" => GatePolicy.Report,
        "drop" => GatePolicy.Drop,
        "regenerate" => GatePolicy.Regenerate,
        "off" => GatePolicy.Off,
        _ => throw new ArgumentException($"gate {gate}: '{text}' is not a policy: use report, drop, regenerate or off"),
    };

    /// <summary>The policies by name; off: the gate does not run (no score, no verdict, no cost).</summary>
    public static IReadOnlyList<string> PolicyNames { get; } = ["report", "drop", "regenerate", "off"];
}
