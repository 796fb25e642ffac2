using System.Reflection;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The job fingerprint is a digest of the spec's canonical JSON: every field of the spec and of
/// the records it holds changes it. The test enumerates the fields by reflection, so a field
/// added later without a case here fails it.
/// </summary>
public class FingerprintTests
{
    private static readonly JobSpec Base = new("job", [new ImageInput("a", "file:///d/a.png", "file:///d/a_mask.png")],
        new TrainingOptions("tiny", 40, 20, 8, "reference"), 4, 7, 1, 3, false, new StyleOptions("1:1", "resnet18", 10), true,
        new EvaluationSettings(3, 5, 64, 4, 2, [1, 2], true, 1),
        GateSettings.Of([new("copyCheck", new GateOptions(GatePolicy.Report, 0.9, 3)), new("quality", new GateOptions(GatePolicy.Report, 0.8, 3))]));

    private static JobSpec WithGate(JobSpec s, string gate, Func<GateOptions, GateOptions> change) =>
        s with { Gates = GateSettings.Of(s.Gates!.Options!.Select(e => e.Key == gate ? new KeyValuePair<string, GateOptions>(e.Key, change(e.Value)) : e)) };

    private static readonly Dictionary<string, Func<JobSpec, JobSpec>> Changes = new()
    {
        ["JobSpec.Images"] = s => s with { Images = [new ImageInput("b", "file:///d/a.png", "file:///d/a_mask.png")] },
        ["ImageInput.Name"] = s => s with { Images = [s.Images[0] with { Name = "z" }] },
        ["ImageInput.ImageRef"] = s => s with { Images = [s.Images[0] with { ImageRef = "file:///d/other.png" }] },
        ["ImageInput.MaskRef"] = s => s with { Images = [s.Images[0] with { MaskRef = "artifact:x" }] },
        ["JobSpec.Training"] = s => s with { Training = new TrainingOptions("fast") },
        ["TrainingOptions.Preset"] = s => s with { Training = s.Training with { Preset = "paper" } },
        ["TrainingOptions.MaxSize"] = s => s with { Training = s.Training with { MaxSize = 41 } },
        ["TrainingOptions.MinSize"] = s => s with { Training = s.Training with { MinSize = 21 } },
        ["TrainingOptions.Iterations"] = s => s with { Training = s.Training with { Iterations = 9 } },
        ["TrainingOptions.GeneratorUpdate"] = s => s with { Training = s.Training with { GeneratorUpdate = "paper" } },
        ["JobSpec.SamplesPerImage"] = s => s with { SamplesPerImage = 5 },
        ["JobSpec.Seed"] = s => s with { Seed = 8 },
        ["JobSpec.GenStartScale"] = s => s with { GenStartScale = 2 },
        ["JobSpec.MaxAttempts"] = s => s with { MaxAttempts = 4 },
        ["JobSpec.AllowEmptyMasks"] = s => s with { AllowEmptyMasks = true },
        ["JobSpec.Style"] = s => s with { Style = null },
        ["StyleOptions.Ratio"] = s => s with { Style = s.Style! with { Ratio = "1:1000" } },
        ["StyleOptions.Network"] = s => s with { Style = s.Style! with { Network = "vgg16" } },
        ["StyleOptions.Steps"] = s => s with { Style = s.Style! with { Steps = 11 } },
        ["JobSpec.Score"] = s => s with { Score = false },
        ["JobSpec.Evaluate"] = s => s with { Evaluate = null },
        ["EvaluationSettings.Folds"] = s => s with { Evaluate = s.Evaluate! with { Folds = 4 } },
        ["EvaluationSettings.Epochs"] = s => s with { Evaluate = s.Evaluate! with { Epochs = 6 } },
        ["EvaluationSettings.ImageSize"] = s => s with { Evaluate = s.Evaluate! with { ImageSize = 96 } },
        ["EvaluationSettings.BatchSize"] = s => s with { Evaluate = s.Evaluate! with { BatchSize = 2 } },
        ["EvaluationSettings.LearningRateDropEpoch"] = s => s with { Evaluate = s.Evaluate! with { LearningRateDropEpoch = 3 } },
        ["EvaluationSettings.SmallDataSizes"] = s => s with { Evaluate = s.Evaluate! with { SmallDataSizes = [1, 3] } },
        ["EvaluationSettings.Mixed"] = s => s with { Evaluate = s.Evaluate! with { Mixed = false } },
        ["EvaluationSettings.Seed"] = s => s with { Evaluate = s.Evaluate! with { Seed = 2 } },
        ["EvaluationSettings.DecoderChannels"] = s => s with { Evaluate = s.Evaluate! with { DecoderChannels = [16, 8] } },
        ["EvaluationSettings.DeepSupervision"] = s => s with { Evaluate = s.Evaluate! with { DeepSupervision = true } },
        ["EvaluationSettings.LearningRate"] = s => s with { Evaluate = s.Evaluate! with { LearningRate = 2e-4 } },
        ["EvaluationSettings.Models"] = s => s with { Evaluate = s.Evaluate! with { Models = ["unet"] } },
        ["EvaluationSettings.Steps"] = s => s with { Evaluate = s.Evaluate! with { Steps = 100 } },
        ["EvaluationSettings.UNetWidths"] = s => s with { Evaluate = s.Evaluate! with { UNetWidths = [8, 16] } },
        ["EvaluationSettings.MixRealShare"] = s => s with { Evaluate = s.Evaluate! with { MixRealShare = 0.5 } },
        ["EvaluationSettings.Sets"] = s => s with { Evaluate = s.Evaluate! with { Sets = ["real"] } },
        ["JobSpec.Gates"] = s => s with { Gates = null },
        ["GateSettings.Options"] = s => s with { Gates = GateSettings.Of(s.Gates!.Options!.Where(e => e.Key != "quality")) },
        ["GateOptions.Policy"] = s => WithGate(s, "copyCheck", o => o with { Policy = GatePolicy.Drop }),
        ["GateOptions.Threshold"] = s => WithGate(s, "quality", o => o with { Threshold = 0.5 }),
        ["GateOptions.MaxTries"] = s => WithGate(s, "copyCheck", o => o with { MaxTries = 1 }),
    };

    [Fact]
    public void Every_spec_field_changes_the_fingerprint()
    {
        var reference = Base.Fingerprint();
        foreach (var (field, change) in Changes)
            Assert.True(change(Base).Fingerprint() != reference, $"changing {field} leaves the fingerprint unchanged");
    }

    [Fact]
    public void A_job_with_an_evaluation_keeps_the_fingerprint_it_had_before_mix_real_share()
    {
        // Digested before the field existed (commit 80dcb81): `run` derives its job id from it to resume.
        Assert.Equal("7e4cdb445b76cb8f", Base.Fingerprint());
        Assert.DoesNotContain("mixRealShare", Base.CanonicalJson());
        Assert.Contains("\"mixRealShare\":0.5", (Base with { Evaluate = Base.Evaluate! with { MixRealShare = 0.5 } }).CanonicalJson());
        Assert.DoesNotContain("\"sets\"", Base.CanonicalJson());
    }

    [Fact]
    public void Every_field_has_a_case()
    {
        var types = new[] { typeof(JobSpec), typeof(ImageInput), typeof(TrainingOptions), typeof(StyleOptions), typeof(EvaluationSettings), typeof(GateSettings), typeof(GateOptions) };
        var fields = types.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttributes().Any(a => a.GetType().Name == "IdAttribute"))
            .Select(p => $"{t.Name}.{p.Name}"))
            .Where(f => f != "JobSpec.JobId").ToList();
        Assert.Empty(fields.Except(Changes.Keys));
    }

    [Fact]
    public void The_gates_are_digested_as_before_they_were_generic()
    {
        // So a job keeps its fingerprint across the change: `run` resumes the same job id, a resubmission is no conflict.
        const string before = "{\"copyCheck\":{\"policy\":0,\"threshold\":0.9,\"maxTries\":3},\"quality\":{\"policy\":0,\"threshold\":0.8,\"maxTries\":3}}";
        var json = Base.CanonicalJson();
        Assert.Contains($"\"gates\":{before},\"settings\":", json, StringComparison.Ordinal);
        Assert.EndsWith($"\"gates\":{before}}}}}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"options\"", json, StringComparison.Ordinal);
        var defaults = (Base with { Gates = null }).CanonicalJson();
        Assert.Contains("\"gates\":{\"copyCheck\":{\"policy\":0,\"threshold\":null,\"maxTries\":3},\"quality\":{\"policy\":0,\"threshold\":null,\"maxTries\":3}},", defaults, StringComparison.Ordinal);
        // A gate added later counts only when set.
        var more = Base with { Gates = GateSettings.Of(Base.Gates!.Options!.Append(new("laterGate", new GateOptions(GatePolicy.Drop)))) };
        Assert.Contains("\"laterGate\":{\"policy\":1,", more.CanonicalJson(), StringComparison.Ordinal);
        Assert.NotEqual(Base.Fingerprint(), more.Fingerprint());
    }

    [Fact]
    public void The_id_and_absent_versus_default_gates_do_not_change_it()
    {
        Assert.Equal(Base.Fingerprint(), (Base with { JobId = "other" }).Fingerprint());
        var plain = Base with { Gates = null };
        Assert.Equal(plain.Fingerprint(), (plain with { Gates = GateSettings.Default }).Fingerprint());
        // Gates that only report, named or not, are the default; the order they are given in does not count.
        Assert.Equal(plain.Fingerprint(), (plain with { Gates = new GateSettings(new Dictionary<string, GateOptions> { ["quality"] = new() }) }).Fingerprint());
        var reversed = new GateSettings(new Dictionary<string, GateOptions> { ["quality"] = Base.Gates!.For("quality"), ["copyCheck"] = Base.Gates.For("copyCheck") });
        Assert.Equal(Base.Fingerprint(), (Base with { Gates = reversed }).Fingerprint());
        Assert.Equal(Base.Gates, reversed);
    }
}
