namespace SinGanSeg.Abstractions;

/// <summary>
/// Gate settings as text (CLI options, API fields, Helm values): policy names report|drop|regenerate,
/// thresholds, tries. Unset fields take the site's defaults, then the calibrated ones.
/// </summary>
public sealed record GateDefaults
{
    public string? CopyCheck { get; init; }
    public double? CopyThreshold { get; init; }
    public string? Quality { get; init; }
    public double? QualityThreshold { get; init; }
    public int? GateTries { get; init; }

    public static GatePolicy ParsePolicy(string? text, string option) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "report" => GatePolicy.Report,
        "drop" => GatePolicy.Drop,
        "regenerate" => GatePolicy.Regenerate,
        _ => throw new ArgumentException($"{option} '{text}' is not a policy: use report, drop or regenerate"),
    };

    /// <summary>These settings over the site's defaults; null when nothing differs from the built-in defaults.</summary>
    public GateSettings? ToSettings(GateDefaults? site = null)
    {
        var tries = GateTries ?? site?.GateTries ?? 3;
        var settings = new GateSettings(
            new CopyCheckOptions(ParsePolicy(CopyCheck ?? site?.CopyCheck, "copy check"), CopyThreshold ?? site?.CopyThreshold, tries),
            new QualityOptions(ParsePolicy(Quality ?? site?.Quality, "quality"), QualityThreshold ?? site?.QualityThreshold, tries));
        return settings == GateSettings.Default ? null : settings;
    }
}
