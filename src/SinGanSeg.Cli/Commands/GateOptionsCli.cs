using System.CommandLine;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Images;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// The gate options run and submit share: --gate NAME=POLICY[:THRESHOLD] (repeatable; the names
/// are the registry's, so a new gate needs nothing here) and --gate-tries; and, still accepted, the
/// options from before the gates were generic: --copy-check, --copy-threshold, --quality,
/// --quality-threshold (aliases of --gate copyCheck=… and quality=…; --gate wins). Nothing has a
/// default here: what is not given takes the site's defaults (submit), then the gates' own.
/// </summary>
public sealed record GateOptionsCli(Option<string[]> Gate, Option<string?> CopyCheck, Option<double?> CopyThreshold, Option<string?> Quality, Option<double?> QualityThreshold, Option<int?> Tries)
{
    public static GateOptionsCli Create()
    {
        var policies = string.Join("|", GateDefaults.PolicyNames);
        var gate = new Option<string[]>("--gate")
        {
            Description = $"a gate's policy ({string.Join(", ", GateDefaults.PolicyNames)}; default report: scores in the manifest; off for {string.Join(", ", GateOptions.OffByDefault)}, which costs a training per job) and optional threshold on its 0-1 score, "
                + $"NAME=POLICY[:THRESHOLD], repeatable. The gates: {string.Join("; ", GateRegistry.All.Select(g => $"{g.Name}, {g.Description}"))}",
        };
        gate.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                try
                {
                    GateRegistry.ParseArgument(token.Value);
                }
                catch (ArgumentException e)
                {
                    result.AddError(e.Message);
                }
            }
        });
        var copy = new Option<string?>("--copy-check") { Description = $"same as --gate copyCheck={policies}" };
        copy.AcceptOnlyFromAmong([.. GateDefaults.PolicyNames]);
        var quality = new Option<string?>("--quality") { Description = $"same as --gate quality={policies}" };
        quality.AcceptOnlyFromAmong([.. GateDefaults.PolicyNames]);
        return new(gate,
            copy,
            new Option<double?>("--copy-threshold") { Description = "copy score (0-1) at which a sample is flagged (same as the threshold of --gate copyCheck=…)" },
            quality,
            new Option<double?>("--quality-threshold") { Description = "quality score (0-1) at which a sample is flagged (same as the threshold of --gate quality=…)" },
            new Option<int?>("--gate-tries") { Description = "new seeds tried per flagged sample under regenerate (default 3)" });
    }

    public IEnumerable<Option> All => [Gate, CopyCheck, CopyThreshold, Quality, QualityThreshold, Tries];

    public GateDefaults Read(ParseResult parse)
    {
        var threshold = parse.GetValue(CopyThreshold);
        if (threshold is < 0 or > 1) throw new ArgumentException($"--copy-threshold must be between 0 and 1 (got {threshold})");
        var q = parse.GetValue(QualityThreshold);
        if (q is < 0 or > 1) throw new ArgumentException($"--quality-threshold must be between 0 and 1 (got {q})");
        if (parse.GetValue(Tries) is < 1) throw new ArgumentException("--gate-tries must be at least 1");
        return new GateDefaults { GateTries = parse.GetValue(Tries) }
            .With(GateDefaults.Aliases(parse.GetValue(CopyCheck), threshold, parse.GetValue(Quality), q))
            .With((parse.GetValue(Gate) ?? []).Select(GateRegistry.ParseArgument));
    }
}
