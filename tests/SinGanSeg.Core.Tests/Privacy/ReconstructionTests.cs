using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Privacy;

/// <summary>
/// gen_start_scale = the scale count is the reference's reconstruction: every scale takes its
/// fixed noise Z_opt. Fixtures/reference_reconstruction.pth is the original code's
/// SinGAN_generate(Gs, Zs, reals, NoiseAmp, opt, gen_start_scale=5, num_samples=1) on the
/// reference-trained model (PyTorch 1.13.1, CPU).
/// </summary>
public class ReconstructionTests
{
    [Fact]
    public void Reconstruction_equals_the_reference_output_whatever_the_seed()
    {
        using var scope = NewDisposeScope();
        using var model = PublishedModel.Load(ReferenceModel.Folder, CPU);
        var expected = StateDictFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference_reconstruction.pth"))["out"];
        foreach (var seed in new long[] { 1, 99 })
        {
            var sources = SampleSeeds.Sources(seed, 0, 2);
            using var output = new SinGanSampler(model).Sample(sources, model.ScaleCount);
            Assert.Equal(expected.shape, output[0..1].shape);
            for (var i = 0; i < 2; i++)
            {
                var diff = output[i..(i + 1)].sub(expected).abs().max().item<float>();
                Assert.True(diff < 2e-5f, $"seed {seed} sample {i}: max difference {diff}");
            }
        }
    }

    [Fact]
    public void Gen_start_scale_above_the_scale_count_is_refused_with_the_range()
    {
        using var model = PublishedModel.Load(ReferenceModel.Folder, CPU);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SinGanSampler(model).Sample(SampleSeeds.Sources(1, 0, 1), model.ScaleCount + 1));
        Assert.Contains($"0..{model.ScaleCount}", e.Message);
    }
}
