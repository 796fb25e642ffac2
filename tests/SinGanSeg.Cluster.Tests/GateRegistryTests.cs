using System.Text.Json;
using Microsoft.Extensions.Configuration;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The gate registry is the one place a gate is named: the CLI's --gate, the site's configuration
/// and the manifest read the gates from it or from the verdicts. Every case runs over every
/// registered gate, so a new gate is covered without touching these tests.
/// </summary>
public class GateRegistryTests
{
    [Fact]
    public void Every_registered_gate_is_accepted_by_the_gate_option_and_an_unknown_one_is_refused_naming_the_gates()
    {
        Assert.NotEmpty(GateRegistry.All);
        Assert.Equal(GateRegistry.All.Count, GateRegistry.All.Select(g => g.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var gate in GateRegistry.All)
        {
            // The parser the CLI's --gate validates and reads with; names are case-insensitive, returned as registered.
            var (name, choice) = GateRegistry.ParseArgument($"{gate.Name.ToUpperInvariant()}=Drop:0.25");
            Assert.Equal(gate.Name, name);
            Assert.Equal(new GateChoice("drop", 0.25), choice);
            Assert.Equal(new GateChoice("regenerate"), GateRegistry.ParseArgument($"{gate.Name}=regenerate").Value);

            var settings = GateRegistry.Settings(new GateDefaults { GateTries = 2 }.With([GateRegistry.ParseArgument($"{gate.Name}=drop:0.25")]));
            Assert.Equal(new GateOptions(GatePolicy.Drop, 0.25, 2), settings!.For(gate.Name));
            Assert.Equal(0.25, GateRegistry.Threshold(settings, gate));
            // Every other gate keeps its default (report, or off for maskAgreement), at its own default threshold.
            foreach (var other in GateRegistry.All.Where(o => o != gate))
            {
                Assert.Equal(GateOptions.DefaultFor(other.Name).Policy, settings.For(other.Name).Policy);
                Assert.Equal(other.DefaultThreshold, GateRegistry.Threshold(settings, other));
            }
        }

        var unknown = Assert.Throws<ArgumentException>(() => GateRegistry.ParseArgument("nosuchgate=drop"));
        Assert.Contains("nosuchgate", unknown.Message, StringComparison.Ordinal);
        Assert.All(GateRegistry.All, g => Assert.Contains(g.Name, unknown.Message, StringComparison.Ordinal));

        var gate0 = GateRegistry.All[0].Name;
        var policy = Assert.Throws<ArgumentException>(() => GateRegistry.ParseArgument($"{gate0}=delete"));
        Assert.All(GateDefaults.PolicyNames, p => Assert.Contains(p, policy.Message, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => GateRegistry.ParseArgument($"{gate0}=drop:1.5"));
        Assert.Throws<ArgumentException>(() => GateRegistry.ParseArgument($"{gate0}=drop:x"));
        var shape = Assert.Throws<ArgumentException>(() => GateRegistry.ParseArgument("drop"));
        Assert.Contains("NAME=POLICY[:THRESHOLD]", shape.Message, StringComparison.Ordinal);

        // The API's gates object goes through the same names.
        var api = Assert.Throws<ArgumentException>(() => GateRegistry.Settings(new GateDefaults().With("nosuchgate", new GateChoice("drop"))));
        Assert.All(GateRegistry.All, g => Assert.Contains(g.Name, api.Message, StringComparison.Ordinal));
        Assert.Null(GateRegistry.Settings(new GateDefaults().With([.. GateRegistry.All.Select(g =>
            KeyValuePair.Create(g.Name, new GateChoice(GateOptions.DefaultFor(g.Name).Policy.ToString().ToLowerInvariant())))])));
    }

    [Fact]
    public void Mask_agreement_is_off_unless_asked_and_off_gates_are_not_made()
    {
        // Default: every gate runs but maskAgreement (it costs a segmenter training per job).
        Assert.Null(GateRegistry.Settings(new GateDefaults()));
        Assert.Equal(["copyCheck", "quality"], GateRegistry.Create(GateSettings.Default).Select(g => g.Name));
        Assert.False(GateSettings.Default.IsOn("maskAgreement"));
        Assert.Equal(GatePolicy.Off, GateSettings.Default.For("maskAgreement").Policy);
        Assert.Null(GateRegistry.Settings(new GateDefaults().With([GateRegistry.ParseArgument("maskAgreement=off:0.5")])));

        // Asked for (report is not its default, so it is kept in the settings and the fingerprint).
        var on = GateRegistry.Settings(new GateDefaults().With([GateRegistry.ParseArgument("maskAgreement=report")]))!;
        Assert.Equal(new GateOptions(GatePolicy.Report), on.For("maskAgreement"));
        Assert.Equal(["copyCheck", "quality", "maskAgreement"], GateRegistry.Create(on).Select(g => g.Name));
        Assert.Equal(0.9, GateRegistry.Create(on)[2].Threshold, 9);
        var spec = new JobSpec("j", [new ImageInput("a", "file:///a.png", "file:///a_mask.png")], new TrainingOptions("tiny"), 2, 1);
        Assert.NotEqual(spec.Fingerprint(), (spec with { Gates = on }).Fingerprint());
        Assert.Equal(spec.Fingerprint(), (spec with { Gates = GateRegistry.Settings(new GateDefaults().With("maskAgreement", new GateChoice("off"))) }).Fingerprint());

        // Any gate may be turned off: it is not made, so it gives no verdict and costs nothing.
        var copyOff = GateRegistry.Settings(new GateDefaults().With([GateRegistry.ParseArgument("copyCheck=off")]))!;
        Assert.Equal(["quality"], GateRegistry.Create(copyOff).Select(g => g.Name));
        Assert.Contains("off", GateDefaults.PolicyNames);
        // A site can turn it on for every job (Helm gates.maskAgreement.policy, Gates:maskAgreement:Policy).
        var site = GateRegistry.SiteDefaults(Gates(new() { ["Gates:maskAgreement:Policy"] = "drop" }));
        Assert.Equal(GatePolicy.Drop, GateRegistry.Settings(new GateDefaults(), site)!.For("maskAgreement").Policy);
        Assert.Null(GateRegistry.Settings(new GateDefaults().With("maskAgreement", new GateChoice("off")), site));
    }

    [Fact]
    public void Site_defaults_come_from_configuration_per_gate_and_a_job_overrides_them()
    {
        foreach (var gate in GateRegistry.All)
        {
            var site = GateRegistry.SiteDefaults(Gates(new()
            {
                [$"Gates:{gate.Name}:Policy"] = "regenerate",
                [$"Gates:{gate.Name}:Threshold"] = "0.25",
                ["Gates:GateTries"] = "5",
            }));
            var settings = GateRegistry.Settings(new GateDefaults(), site)!;
            Assert.Equal(new GateOptions(GatePolicy.Regenerate, 0.25, 5), settings.For(gate.Name));
            Assert.All(GateRegistry.All.Where(o => o != gate), o => Assert.Equal(GateOptions.DefaultFor(o.Name).Policy, settings.For(o.Name).Policy));

            // What a job sets wins, field by field.
            var job = GateRegistry.Settings(new GateDefaults().With(gate.Name, new GateChoice("drop")), site)!;
            Assert.Equal(new GateOptions(GatePolicy.Drop, 0.25, 5), job.For(gate.Name));
        }

        // The keys from before the gates were generic are still read; the newer ones win.
        var older = GateRegistry.SiteDefaults(Gates(new()
        {
            ["Gates:CopyCheck"] = "drop",
            ["Gates:CopyThreshold"] = "0.8",
            ["Gates:Quality"] = "regenerate",
            ["Gates:QualityThreshold"] = "0.7",
        }));
        var fromOlder = GateRegistry.Settings(new GateDefaults(), older)!;
        Assert.Equal(new GateOptions(GatePolicy.Drop, 0.8), fromOlder.For("copyCheck"));
        Assert.Equal(new GateOptions(GatePolicy.Regenerate, 0.7), fromOlder.For("quality"));
        var mixed = GateRegistry.SiteDefaults(Gates(new()
        {
            ["Gates:CopyCheck"] = "drop",
            ["Gates:CopyThreshold"] = "0.8",
            ["Gates:copyCheck:Policy"] = "report",
            ["Gates:copyCheck:Threshold"] = "0.6",
        }));
        Assert.Equal(new GateOptions(GatePolicy.Report, 0.6), GateRegistry.Settings(new GateDefaults(), mixed)!.For("copyCheck"));

        // A misspelt gate in the site's configuration is refused, not quietly ignored.
        var e = Assert.Throws<InvalidOperationException>(() => GateRegistry.SiteDefaults(Gates(new() { ["Gates:copyChek:Policy"] = "drop" })));
        Assert.All(GateRegistry.All, g => Assert.Contains(g.Name, e.Message, StringComparison.Ordinal));
        Assert.Empty(GateRegistry.SiteDefaults(Gates(new())).Gates);
    }

    [Fact]
    public void The_manifest_shows_each_verdict_under_its_gate_with_its_scores_by_name()
    {
        var copy = new GateVerdict("copyCheck", 0.97, 0.95, true,
            [new("ncc", 0.97), new("maskIou", 0.9), new("patchCopyShare", 0.1), new("embeddingDistance", null)], Detail: new("alignment", "flip-h, dx=1, dy=0"));
        var quality = new GateVerdict("quality", 0.2, 1, false,
            [new("foreground", 0.1), new("sourceForeground", 0.12), new("imageStd", 0.2), new("sifid", 0.5), new("sifidRobustZ", null)], []);
        var record = new SampleRecord("s", "k", "m", "src", "sha", "model", 1, 2, 0, 0, "{}", 0.1, "msha", Verdicts: [copy, quality], Tries: 2);
        var line = JsonDocument.Parse(DatasetManifest.Line(record)).RootElement;

        var c = line.GetProperty("copyCheck");
        Assert.Equal(new[] { "ncc", "maskIou", "patchCopyShare", "score", "threshold", "flagged", "alignment" }, c.EnumerateObject().Select(p => p.Name));
        Assert.True(c.GetProperty("flagged").GetBoolean());
        Assert.Equal("flip-h, dx=1, dy=0", c.GetProperty("alignment").GetString());
        var q = line.GetProperty("quality");
        Assert.Equal(new[] { "foreground", "sourceForeground", "imageStd", "sifid", "score", "threshold", "flagged", "reasons" }, q.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, q.GetProperty("reasons").GetArrayLength());
        Assert.Equal(2, line.GetProperty("tries").GetInt32());
        Assert.False(line.TryGetProperty("droppedBy", out _));
        // The verdicts sit where the two gates' records always were: after SIFID, before tries.
        Assert.Equal(new[] { "copyCheck", "quality", "tries" }, line.EnumerateObject().Select(p => p.Name).TakeLast(3));
    }

    private static IConfigurationSection Gates(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Gates");
}
