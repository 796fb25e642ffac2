using System.Globalization;
using Microsoft.Extensions.Configuration;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Privacy;
using SinGanSeg.Core.Quality;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// A gate as the rest of the system knows it. Name: the manifest's property for its verdict, the
/// droppedBy value, the key of its settings (CLI --gate NAME=…, API gates.NAME, configuration
/// Gates:NAME:Policy/Threshold, Helm gates.NAME). Description: one line for the CLI's help.
/// DefaultThreshold: on its score when the job and the site set none. Create: the gate for one
/// image's run, from the job's options for it. The card properties say how the dataset card shows
/// it: its row's label, which of its scores get a distribution (card key, score name), the caption
/// of its histogram in the card's figure (none: no panel), and a note under the figure.
/// </summary>
public sealed record GateRegistration(string Name, string Description, double DefaultThreshold, Func<GateOptions, ISampleGate> Create)
{
    public string Label { get; init; } = Name;
    public IReadOnlyList<(string Key, string Score)> CardDistributions { get; init; } = [];
    public string? CardHistogram { get; init; }
    public string? CardNote { get; init; }
}

/// <summary>
/// The gates, in the order they judge a sample (the first gate whose policy acts decides), and
/// everything that reads gate settings by name: the job's settings from text (CLI, API,
/// configuration), the gate stage's list. Adding a gate is its <see cref="ISampleGate"/> class,
/// its Core code, and one entry in <see cref="All"/> (and its name in GateOptions.OffByDefault if
/// it should only run when asked); the manifest, card, counts, CLI, API, Helm
/// and dashboard read the gates from here or from the verdicts.
/// </summary>
public static class GateRegistry
{
    public static IReadOnlyList<GateRegistration> All { get; } =
    [
        new("copyCheck", "near-copies of the source (privacy; default threshold calibrated, docs/PRIVACY.md)", CopyThresholds.Default, _ => new CopyGate())
        {
            Label = "copy check (privacy)",
            CardDistributions = [("copyScore", "score"), ("ncc", "ncc"), ("patchCopyShare", "patchCopyShare"), ("embeddingDistance", "embeddingDistance")],
            CardHistogram = "the copy score of every checked sample (0…1; dotted line: the threshold; a score near 1 is a near-copy of the source)",
            CardNote = "Copy score = the largest of: best normalised cross-correlation with the source over small shifts and flips, the share of textured patches with a near-identical source patch, and ResNet18 embedding closeness. See docs/PRIVACY.md of SinGanSeg for how the thresholds were calibrated.",
        },
        new("quality", "empty/off masks, collapsed images, SIFID outliers (default threshold 1: some measure fully out)", QualityScorer.Default, _ => new QualityGate()),
        new(MaskAgreementGate.Name, "whether the mask labels its image: 1 - Dice of a U-Net trained once per job on the real pairs (off unless asked: it costs that training; default threshold 0.9, Dice <= 0.1; docs/QUALITY.md)",
            MaskAgreementGate.DefaultThreshold, _ => new MaskAgreementGate())
        {
            Label = "mask agreement",
            CardDistributions = [("maskAgreementDice", "dice")],
            CardNote = "Mask agreement = 1 - Dice between a small U-Net's prediction on the synthetic image and the synthetic mask; the U-Net is trained once per job on up to 50 of its real pairs (realDice: its Dice on them). See docs/QUALITY.md of SinGanSeg.",
        },
    ];

    /// <summary>The gates' names, for messages: "copyCheck, quality, maskAgreement".</summary>
    public static string Names => string.Join(", ", All.Select(g => g.Name));

    /// <summary>A gate by name, case-insensitively; null when there is none.</summary>
    public static GateRegistration? Find(string name) => All.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A gate by name, case-insensitively; an unknown name is the caller's error, naming the gates.</summary>
    public static GateRegistration Get(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown gate '{name}': the gates are {Names}");

    /// <summary>The threshold a job's samples are judged against by the gate.</summary>
    public static double Threshold(GateSettings settings, GateRegistration gate) => settings.For(gate.Name).Threshold ?? gate.DefaultThreshold;

    /// <summary>Every gate the job has on, with its options, in order, for one image's gate stage (an off gate is not made: no cost).</summary>
    public static IReadOnlyList<GateStage.Gate> Create(GateSettings settings) =>
    [
        .. All.Where(g => settings.IsOn(g.Name)).Select(g =>
        {
            var options = settings.For(g.Name);
            return new GateStage.Gate(g.Name, options.Policy, options.MaxTries, options.Threshold ?? g.DefaultThreshold, g.Create(options));
        }),
    ];

    /// <summary>
    /// A job's gate settings from text over the site's defaults; null when they are the built-in
    /// defaults (every gate reports, the gates in GateOptions.OffByDefault are off). Every name must
    /// be a gate's; a policy must be report, drop, regenerate or off (ArgumentException naming the
    /// valid ones otherwise).
    /// </summary>
    public static GateSettings? Settings(GateDefaults job, GateDefaults? site = null)
    {
        foreach (var name in job.Gates.Keys.Concat(site?.Gates.Keys ?? [])) Get(name);
        var tries = job.GateTries ?? site?.GateTries ?? GateOptions.Default.MaxTries;
        var settings = GateSettings.Of(All.Select(g =>
        {
            var choice = (job.For(g.Name) ?? new GateChoice()).Over(site?.For(g.Name));
            return KeyValuePair.Create(g.Name, new GateOptions(GateDefaults.ParsePolicy(choice.Policy, g.Name), choice.Threshold, tries));
        }));
        return settings == GateSettings.Default ? null : settings;
    }

    /// <summary>
    /// One CLI --gate value, NAME=POLICY[:THRESHOLD] (NAME case-insensitive, THRESHOLD 0…1): the
    /// gate's name as registered and its choice. A wrong value names what is valid.
    /// </summary>
    public static KeyValuePair<string, GateChoice> ParseArgument(string text)
    {
        var usage = $"use NAME=POLICY[:THRESHOLD] with NAME one of {Names} and POLICY one of {string.Join(", ", GateDefaults.PolicyNames)}";
        var eq = text.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--gate '{text}': {usage}");
        var name = text[..eq].Trim();
        var gate = Find(name) ?? throw new ArgumentException($"--gate '{text}': unknown gate '{name}'; the gates are {Names}");
        var value = text[(eq + 1)..];
        var colon = value.IndexOf(':');
        var policy = (colon < 0 ? value : value[..colon]).Trim().ToLowerInvariant();
        if (!GateDefaults.PolicyNames.Contains(policy))
            throw new ArgumentException($"--gate '{text}': '{policy}' is not a policy; use {string.Join(", ", GateDefaults.PolicyNames)}");
        double? threshold = null;
        if (colon >= 0)
        {
            if (!double.TryParse(value[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !(t is >= 0 and <= 1))
                throw new ArgumentException($"--gate '{text}': the threshold must be a number between 0 and 1");
            threshold = t;
        }
        return KeyValuePair.Create(gate.Name, new GateChoice(policy, threshold));
    }

    /// <summary>
    /// The site's defaults from the configuration section Gates (Helm values gates.*):
    /// Gates:NAME:Policy and Gates:NAME:Threshold per gate; still read, the keys from before the
    /// gates were generic: a value on Gates:NAME itself (Gates:CopyCheck=drop) is its policy,
    /// Gates:CopyThreshold and Gates:QualityThreshold its threshold, Gates:GateTries the tries.
    /// The newer keys win. Any other key is a misconfigured site and refuses the job (an ignored
    /// misspelt gate would quietly keep samples a site meant to drop).
    /// </summary>
    public static GateDefaults SiteDefaults(IConfiguration gates)
    {
        var defaults = new GateDefaults();
        var older = new List<KeyValuePair<string, GateChoice>>();
        foreach (var child in gates.GetChildren())
        {
            if (Find(child.Key) is { } gate)
                defaults = defaults.With(gate.Name, new GateChoice(Text(child["Policy"]) ?? Text(child.Value), Number(child, "Threshold")));
            else if (GateDefaults.ThresholdAliases.TryGetValue(child.Key, out var aliased))
                older.Add(KeyValuePair.Create(aliased, new GateChoice(Threshold: Number(gates, child.Key))));
            else if (string.Equals(child.Key, "GateTries", StringComparison.OrdinalIgnoreCase))
                defaults = defaults with { GateTries = Text(child.Value) is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null };
            else
                throw new InvalidOperationException($"configuration Gates:{child.Key}: no such gate; the gates are {Names} (keys Gates:NAME:Policy, Gates:NAME:Threshold)");
        }
        // The older threshold keys go under what the newer ones said.
        foreach (var (gate, choice) in older) defaults = defaults.With(gate, (defaults.For(gate) ?? new GateChoice()).Over(choice));
        return defaults;
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static double? Number(IConfiguration section, string key)
    {
        if (Text(section[key]) is not { } text) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new InvalidOperationException($"configuration {(section as IConfigurationSection)?.Path ?? "Gates"}:{key}: '{text}' is not a number");
    }
}
