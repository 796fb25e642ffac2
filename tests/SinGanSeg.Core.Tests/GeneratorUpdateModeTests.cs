using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>The two generator-update semantics on the reference's first epoch at scale 0.</summary>
public class GeneratorUpdateModeTests
{
    private static (List<string> Forwards, double MaxStep) Run(GeneratorUpdateMode mode)
    {
        var trace = TorchArchive.LoadTensorDict(TestData.ReferenceFile("epoch_trace_scale_0.pth"));
        var geometry = ReferenceModel.Geometry();
        var reals = new SinGanTrainer(CPU).BuildPyramid(ReferenceModel.Input(), geometry);
        var shape = NetworkShape.ForScale(0, 4, 32, 32, 5, 3);
        using var g = new SinGanGenerator(shape);
        using var d = new SinGanDiscriminator(shape);
        var initial = trace.Where(kv => kv.Key.StartsWith("G.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[2..], kv => kv.Value);
        StateDictFile.LoadInto(g, initial, CPU, "G");
        StateDictFile.LoadInto(d, trace.Where(kv => kv.Key.StartsWith("D.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[2..], kv => kv.Value), CPU, "D");
        var forwards = new List<string>();
        var trainer = new ScaleTrainer(ReferenceModel.EpochConfig with { GeneratorUpdate = mode }, CPU, new ReplayRandomSource(trace)) { ForwardTap = (k, _) => forwards.Add(k) };
        using var inS = zeros(reals[0].shape);
        var result = trainer.Train(g, d, reals[0], new CoarseScales([], reals, geometry.ScaleFactor, shape.Padding, 4), inS);
        // The largest move of a conv weight that does not feed a BatchNorm mean (the tail).
        var step = (g.state_dict()["tail.0.weight"] - initial["tail.0.weight"]).abs().max().item<float>();
        result.ReconstructionNoise.Dispose();
        foreach (var t in trace.Values) t.Dispose();
        foreach (var r in reals) r.Dispose();
        return (forwards, step);
    }

    [Fact]
    public void Reference_mode_steps_once_and_paper_mode_three_times_on_fresh_fakes()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var lr = ReferenceModel.EpochConfig.LearningRateG;
        var (refForwards, refStep) = Run(GeneratorUpdateMode.Reference);
        var (paperForwards, paperStep) = Run(GeneratorUpdateMode.Paper);
        // Critic: 3 × (D real, G fake, D fake, D penalty); generator: 3 × (D fake, G rec), paper
        // regenerates the fake before passes 2 and 3; one preview forward at the end.
        Assert.Equal(12 + 6 + 1, refForwards.Count);
        Assert.Equal(12 + 8 + 1, paperForwards.Count);
        Assert.Equal(["D", "G", "D", "G", "D", "G"], refForwards.Skip(12).Take(6));
        Assert.Equal(["D", "G", "G", "D", "G", "G", "D", "G"], paperForwards.Skip(12).Take(8));
        // Adam's first step moves a weight by at most lr; three steps by up to 3·lr.
        Assert.True(refStep <= lr * 1.001, $"reference mode moved a weight by {refStep:E2}, more than one step");
        Assert.True(paperStep > lr * 1.5, $"paper mode moved weights by at most {paperStep:E2}, fewer than three steps");
    }
}
