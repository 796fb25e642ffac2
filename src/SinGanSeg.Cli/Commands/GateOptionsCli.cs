using System.CommandLine;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Cli.Commands;

/// <summary>The gate options run and submit share: --copy-check, --copy-threshold, --quality, --quality-threshold, --gate-tries.</summary>
public sealed record GateOptionsCli(Option<string> CopyCheck, Option<double?> CopyThreshold, Option<string> Quality, Option<double?> QualityThreshold, Option<int> Tries)
{
    public static GateOptionsCli Create()
    {
        var copy = new Option<string>("--copy-check") { Description = "near-copies of the source: report (scores in the manifest), drop, or regenerate (new seeds, then drop)", DefaultValueFactory = _ => "report" };
        copy.AcceptOnlyFromAmong("report", "drop", "regenerate");
        var quality = new Option<string>("--quality") { Description = "empty/off masks, collapsed images, SIFID outliers: report, drop or regenerate", DefaultValueFactory = _ => "report" };
        quality.AcceptOnlyFromAmong("report", "drop", "regenerate");
        return new(copy,
            new Option<double?>("--copy-threshold") { Description = "copy score (0-1) at which a sample is flagged (default: calibrated, docs/PRIVACY.md)" },
            quality,
            new Option<double?>("--quality-threshold") { Description = "quality score (0-1) at which a sample is flagged (default 1: some measure fully out)" },
            new Option<int>("--gate-tries") { Description = "new seeds tried per flagged sample under regenerate", DefaultValueFactory = _ => 3 });
    }

    public IEnumerable<Option> All => [CopyCheck, CopyThreshold, Quality, QualityThreshold, Tries];

    public GateDefaults Read(ParseResult parse)
    {
        var threshold = parse.GetValue(CopyThreshold);
        if (threshold is < 0 or > 1) throw new ArgumentException($"--copy-threshold must be between 0 and 1 (got {threshold})");
        var q = parse.GetValue(QualityThreshold);
        if (q is < 0 or > 1) throw new ArgumentException($"--quality-threshold must be between 0 and 1 (got {q})");
        if (parse.GetValue(Tries) < 1) throw new ArgumentException("--gate-tries must be at least 1");
        return new GateDefaults
        {
            CopyCheck = parse.GetValue(CopyCheck),
            CopyThreshold = threshold,
            Quality = parse.GetValue(Quality),
            QualityThreshold = q,
            GateTries = parse.GetValue(Tries),
        };
    }
}
