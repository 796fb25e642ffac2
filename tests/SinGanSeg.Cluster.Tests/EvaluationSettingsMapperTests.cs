using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Evaluation;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The gradient budget of an evaluation that keeps only some sets: counted over every set, so a kept
/// run trains exactly as in the evaluation of all sets (what makes `evaluate --sets` results pair with
/// a full evaluation's).
/// </summary>
public class EvaluationSettingsMapperTests
{
    [Fact]
    public void Leaving_sets_out_does_not_change_the_budget_of_the_kept_runs()
    {
        var real = Enumerable.Range(0, 12).Select(i => new ImageInput($"img{i:D2}", $"file:///r/{i}.jpg", $"file:///m/{i}.jpg")).ToList();
        var synthetic = real.SelectMany(r => Enumerable.Range(0, 10).Select(k =>
            new SyntheticInput($"{r.Name}_s{k}", $"file:///s/{r.Name}_{k}.png", $"file:///s/m/{r.Name}_{k}.png", r.Name))).ToList();
        var all = new EvaluationSpec("e", real, synthetic, new EvaluationSettings(Epochs: 4, BatchSize: 8));
        var some = all with { Settings = all.Settings with { Sets = ["real"] } };

        // Real-only alone would be 4 passes over 6 real pairs: 4 steps; among all sets the largest is the
        // plain mix of 6 real and 60 synthetic pairs: 4 × ceil(66 / 8) = 36 steps, for real-only too.
        Assert.Equal(["real"], EvaluationSettingsMapper.Plan(some).Select(r => r.Set).Distinct());
        Assert.Equal(36, EvaluationSettingsMapper.Training(all).Steps);
        Assert.Equal(36, EvaluationSettingsMapper.Training(some).Steps);
        // Given steps stay as given.
        Assert.Equal(152, EvaluationSettingsMapper.Training(some with { Settings = some.Settings with { Steps = 152 } }).Steps);
        // The fingerprint tells the two evaluations apart; without sets it is what it was before the field.
        Assert.NotEqual(all.Fingerprint(), some.Fingerprint());
        Assert.DoesNotContain("sets=", all.Settings.ToString());
    }
}
