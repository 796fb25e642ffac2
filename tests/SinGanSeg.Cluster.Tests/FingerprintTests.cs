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
        new GateSettings(new CopyCheckOptions(GatePolicy.Report, 0.9, 3), new QualityOptions(GatePolicy.Report, 0.8, 3)));

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
        ["JobSpec.Gates"] = s => s with { Gates = null },
        ["GateSettings.CopyCheck"] = s => s with { Gates = s.Gates! with { CopyCheck = new CopyCheckOptions() } },
        ["GateSettings.Quality"] = s => s with { Gates = s.Gates! with { Quality = new QualityOptions() } },
        ["CopyCheckOptions.Policy"] = s => s with { Gates = s.Gates! with { CopyCheck = s.Gates.CopyCheck with { Policy = GatePolicy.Drop } } },
        ["CopyCheckOptions.Threshold"] = s => s with { Gates = s.Gates! with { CopyCheck = s.Gates.CopyCheck with { Threshold = 0.5 } } },
        ["CopyCheckOptions.MaxTries"] = s => s with { Gates = s.Gates! with { CopyCheck = s.Gates.CopyCheck with { MaxTries = 1 } } },
        ["QualityOptions.Policy"] = s => s with { Gates = s.Gates! with { Quality = s.Gates.Quality with { Policy = GatePolicy.Regenerate } } },
        ["QualityOptions.Threshold"] = s => s with { Gates = s.Gates! with { Quality = s.Gates.Quality with { Threshold = 0.5 } } },
        ["QualityOptions.MaxTries"] = s => s with { Gates = s.Gates! with { Quality = s.Gates.Quality with { MaxTries = 1 } } },
    };

    [Fact]
    public void Every_spec_field_changes_the_fingerprint()
    {
        var reference = Base.Fingerprint();
        foreach (var (field, change) in Changes)
            Assert.True(change(Base).Fingerprint() != reference, $"changing {field} leaves the fingerprint unchanged");
    }

    [Fact]
    public void Every_field_has_a_case()
    {
        var types = new[] { typeof(JobSpec), typeof(ImageInput), typeof(TrainingOptions), typeof(StyleOptions), typeof(EvaluationSettings), typeof(GateSettings), typeof(CopyCheckOptions), typeof(QualityOptions) };
        var fields = types.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttributes().Any(a => a.GetType().Name == "IdAttribute"))
            .Select(p => $"{t.Name}.{p.Name}"))
            .Where(f => f != "JobSpec.JobId").ToList();
        Assert.Empty(fields.Except(Changes.Keys));
    }

    [Fact]
    public void The_id_and_absent_versus_default_gates_do_not_change_it()
    {
        Assert.Equal(Base.Fingerprint(), (Base with { JobId = "other" }).Fingerprint());
        var plain = Base with { Gates = null };
        Assert.Equal(plain.Fingerprint(), (plain with { Gates = GateSettings.Default }).Fingerprint());
    }
}
