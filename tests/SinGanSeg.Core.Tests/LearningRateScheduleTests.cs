using System.Text.Json;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(500)]
    [InlineData(1600)]
    public void Reference_schedule_never_drops_in_a_run_of_at_most_1600_iterations(int iterations)
    {
        var config = new SinGanConfig { Iterations = iterations, LearningRateSchedule = LearningRateSchedule.Reference };
        Assert.All(Enumerable.Range(0, iterations), i => Assert.Equal(1.0, config.LearningRateFactor(i)));
        // The default drops inside the same run.
        var fraction = config with { LearningRateSchedule = LearningRateSchedule.Fraction };
        Assert.Equal(fraction.Gamma, fraction.LearningRateFactor(iterations - 1));
    }

    [Fact]
    public void Reference_schedule_drops_at_absolute_iteration_1600()
    {
        var config = new SinGanConfig { Iterations = 3000, LearningRateSchedule = LearningRateSchedule.Reference };
        Assert.Equal(1.0, config.LearningRateFactor(1599));
        Assert.Equal(config.Gamma, config.LearningRateFactor(1600));
        // For the paper's 2000 iterations both schedules are the reference's.
        Assert.Equal(1600, new SinGanConfig().LearningRateMilestone);
    }

    [Fact]
    public void The_default_schedule_leaves_the_config_json_and_so_model_keys_unchanged()
    {
        var json = JsonSerializer.Serialize(new SinGanConfig(), ModelManifest.JsonOptions);
        Assert.DoesNotContain("learningRateSchedule", json, StringComparison.Ordinal);
        var reference = JsonSerializer.Serialize(new SinGanConfig { LearningRateSchedule = LearningRateSchedule.Reference }, ModelManifest.JsonOptions);
        Assert.Contains("\"learningRateSchedule\": \"reference\"", reference, StringComparison.Ordinal);
        Assert.Equal(LearningRateSchedule.Reference, JsonSerializer.Deserialize<SinGanConfig>(reference, ModelManifest.JsonOptions)!.LearningRateSchedule);
        Assert.Equal(LearningRateSchedule.Fraction, JsonSerializer.Deserialize<SinGanConfig>(json, ModelManifest.JsonOptions)!.LearningRateSchedule);
    }

    /// <summary>The trainer really follows the schedule: a short reference-schedule run equals a no-drop run bit for bit and differs from the 80 % one.</summary>
    [Fact]
    public void The_trainer_applies_the_schedule()
    {
        using var scope = NewDisposeScope();
        var baseConfig = ReferenceModel.EpochConfig with { Iterations = 3 };
        var reference = Train(baseConfig with { LearningRateSchedule = LearningRateSchedule.Reference });
        var noDrop = Train(baseConfig with { LearningRateDropAt = 1.0 });
        var fraction = Train(baseConfig with { LearningRateDropAt = 0.8 });
        Assert.True(reference.allclose(noDrop, 0, 0), "a 3-iteration run on the reference schedule must not drop");
        Assert.False(reference.allclose(fraction, 0, 0), "the 80 % schedule drops at iteration 2 and must change the weights");
    }

    private static Tensor Train(SinGanConfig config)
    {
        var geometry = ReferenceModel.Geometry();
        var reals = new SinGanTrainer(CPU).BuildPyramid(ReferenceModel.Input(), geometry);
        var shape = NetworkShape.ForScale(0, 4, 32, 32, 5, 3);
        using var g = new SinGanGenerator(shape);
        using var d = new SinGanDiscriminator(shape);
        var trace = TorchArchive.LoadTensorDict(TestData.ReferenceFile("epoch_trace_scale_0.pth"));
        StateDictFile.LoadInto(g, trace.Where(kv => kv.Key.StartsWith("G.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[2..], kv => kv.Value), CPU, "G");
        StateDictFile.LoadInto(d, trace.Where(kv => kv.Key.StartsWith("D.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[2..], kv => kv.Value), CPU, "D");
        using var random = new SeededRandomSource(7);
        using var inS = zeros(reals[0].shape);
        var result = new ScaleTrainer(config, CPU, random).Train(g, d, reals[0], new CoarseScales([], reals, geometry.ScaleFactor, shape.Padding, 4), inS);
        result.ReconstructionNoise.Dispose();
        result.Preview?.Dispose();
        result.LastFake?.Dispose();
        foreach (var t in trace.Values) t.Dispose();
        foreach (var r in reals) r.Dispose();
        return g.state_dict()["tail.0.weight"].detach().clone();
    }
}
