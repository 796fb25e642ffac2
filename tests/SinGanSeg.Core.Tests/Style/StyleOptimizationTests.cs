using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Style;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Style;

public sealed class StyleOptimizationTests
{
    private static RgbImage Polyp(string id, int h, int w)
    {
        var full = ImagePairLoader.Default.LoadRgb(TestData.PolypImage(id));
        using var scope = NewDisposeScope();
        var t = nn.functional.interpolate(full.ToTensor01(CPU), [h, w], mode: InterpolationMode.Bilinear, antialias: true);
        return RgbImage.FromTensor01(id, t);
    }

    private static string[] Ids => Directory.GetFiles(Path.Combine(TestData.Polyps, "images"), "*.jpg").Order().Take(3).Select(Path.GetFileNameWithoutExtension).ToArray()!;

    [Fact]
    public void A_batch_follows_the_same_trajectories_as_its_samples_one_by_one()
    {
        using var scope = NewDisposeScope();
        using var net = ResNetStyleNetwork.Bundled(CPU);
        var ids = Ids;
        var style = ImageNetNormalization.Normalize(Polyp(ids[0], 40, 48).ToTensor01(CPU));
        var a = ImageNetNormalization.Normalize(Polyp(ids[1], 40, 48).ToTensor01(CPU));
        var b = ImageNetNormalization.Normalize(Polyp(ids[2], 40, 48).ToTensor01(CPU));
        var config = new StyleTransferConfig { Ratio = StyleWeightRatio.Parse("1:1000") };

        using var batch = new StyleOptimization(net, cat([a, b], 0), style, config);
        using var alone = new StyleOptimization(net, b, style, config);
        for (var i = 0; i < 4; i++)
        {
            var lb = batch.StepOnce();
            var la = alone.StepOnce();
            Assert.Equal(la.Style[0], lb.Style[1], 1e-4 * la.Style[0]);
        }
        Assert.True(batch.Pixels[1].sub(alone.Pixels[0]).abs().max().item<float>() < 1e-4);
        Assert.True(batch.Pixels[1].sub(b[0]).abs().max().item<float>() > 1e-3, "the pixels must have moved");
    }

    [Fact]
    public void Pixel_adam_matches_torch_adam()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        var start = randn([2, 3, 5, 6], generator: gen);
        var ours = start.clone();
        var theirs = new TorchSharp.Modules.Parameter(start.clone());
        using var adam = new PixelAdam(ours, 0.01);
        var opt = optim.Adam([theirs], lr: 0.01);
        for (var i = 0; i < 6; i++)
        {
            var grad = randn([2, 3, 5, 6], generator: gen);
            adam.Update(grad);
            opt.zero_grad();
            theirs.mul(grad).sum().backward();
            opt.step();
        }
        Assert.True(ours.sub(theirs.detach()).abs().max().item<float>() < 1e-6);
        Assert.True(ours.sub(start).abs().max().item<float>() > 0.01);
    }

    [Fact]
    public void Resuming_from_a_saved_state_continues_exactly()
    {
        using var scope = NewDisposeScope();
        using var net = ResNetStyleNetwork.Bundled(CPU);
        var ids = Ids;
        var style = ImageNetNormalization.Normalize(Polyp(ids[0], 36, 44).ToTensor01(CPU));
        var content = ImageNetNormalization.Normalize(Polyp(ids[1], 36, 44).ToTensor01(CPU));
        var config = new StyleTransferConfig();
        using var straight = new StyleOptimization(net, content, style, config);
        for (var i = 0; i < 4; i++) straight.StepOnce();

        var file = Path.Combine(TestData.NewTempDir("style-resume"), "state.pth");
        using (var first = new StyleOptimization(net, content, style, config))
        {
            first.StepOnce();
            first.StepOnce();
            using var snap = first.Snapshot();
            snap.Save(file);
        }
        using var loaded = StyleTransferState.TryLoad(file, CPU)!;
        Assert.Equal(2, loaded.Step);
        using var resumed = new StyleOptimization(net, content, style, config, loaded);
        resumed.StepOnce();
        resumed.StepOnce();
        Assert.Equal(4, resumed.Step);
        Assert.True(resumed.Pixels.sub(straight.Pixels).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void Style_loss_falls_and_the_result_stays_an_image()
    {
        using var scope = NewDisposeScope();
        using var net = ResNetStyleNetwork.Bundled(CPU);
        var ids = Ids;
        var runner = new StyleTransferRunner(net, new StyleTransferConfig { Steps = 30, Ratio = StyleWeightRatio.Parse("1:1000") }, CPU);
        var losses = new List<double>();
        var content = Polyp(ids[1], 48, 56);
        var result = runner.Run(Polyp(ids[0], 60, 70), [content], progress: p => losses.Add(p.StyleLoss));
        Assert.Equal(30, losses.Count);
        Assert.True(losses[^1] < 0.7 * losses[0], $"style loss {losses[0]} -> {losses[^1]}");
        Assert.Equal((48, 56), (result[0].Height, result[0].Width));
        Assert.NotEqual(content.Rgb, result[0].Rgb);
    }

    [Fact]
    public void Bad_style_options_are_named()
    {
        Assert.Contains("1:1 or 1:1000", Assert.Throws<ArgumentException>(() => StyleWeightRatio.Parse("1/1000")).Message);
        Assert.Contains("--style-weights", Assert.Throws<ArgumentException>(() => StyleNetworks.Create("vgg16", null, CPU)).Message);
        Assert.Contains("unknown style network", Assert.Throws<ArgumentException>(() => StyleNetworks.Create("alexnet", null, CPU)).Message);
        Assert.Throws<ArgumentException>(() => new StyleTransferConfig { Steps = 0 }.Validate());
    }
}
