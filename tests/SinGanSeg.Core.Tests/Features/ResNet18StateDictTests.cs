using System.Text.Json;
using SinGanSeg.Core.Features;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Features;

public class ResNet18StateDictTests
{
    [Fact]
    public void State_dict_is_torchvision_resnet18_key_for_key()
    {
        using var scope = NewDisposeScope();
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.ReferenceFile("torchvision_state_dict_keys.json")));
        var expected = doc.RootElement.GetProperty("resnet18").EnumerateArray()
            .Select(e => $"{e[0].GetString()} [{string.Join(",", e[1].EnumerateArray().Select(d => d.GetInt64()))}]")
            .ToList();
        using var model = new ResNet18();
        var actual = model.state_dict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]").ToList();

        // As sets: TorchSharp lists all parameters before all buffers, torchvision module by
        // module; loading goes by name either way.
        Assert.Equal(122, expected.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Cntk_layout_only_adds_a_third_layer4_block()
    {
        using var scope = NewDisposeScope();
        using var torchvision = new ResNet18();
        using var cntk = new ResNet18(blocksPerLayer: ResNet18.CntkBlocks);
        var extra = cntk.state_dict().Keys.Except(torchvision.state_dict().Keys).ToList();
        Assert.Empty(torchvision.state_dict().Keys.Except(cntk.state_dict().Keys));
        Assert.Equal(12, extra.Count);
        Assert.All(extra, k => Assert.StartsWith("layer4.2.", k));
    }

    [Fact]
    public void Features_stop_at_the_deepest_stage_asked_for()
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18();
        var x = rand(2, 3, 224, 224);
        var all = model.Features(x, ResNetStage.Pool, ResNetStage.Stem, ResNetStage.Layer1, ResNetStage.Layer2, ResNetStage.Layer3, ResNetStage.Layer4);
        Assert.Equal([2L, 512], all[0].shape);
        Assert.Equal([2L, 64, 112, 112], all[1].shape);
        Assert.Equal([2L, 64, 56, 56], all[2].shape);
        Assert.Equal([2L, 128, 28, 28], all[3].shape);
        Assert.Equal([2L, 256, 14, 14], all[4].shape);
        Assert.Equal([2L, 512, 7, 7], all[5].shape);

        var layer2 = model.Features(x, ResNetStage.Layer2).Single();
        Assert.Equal(0f, (layer2 - all[3]).abs().max().item<float>());
        Assert.Equal(0f, (model.forward(x) - all[0]).abs().max().item<float>());
    }

    [Fact]
    public void Batch_norm_uses_running_statistics_even_in_train_mode()
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18();
        var x = rand(2, 3, 64, 64);
        var eval = model.forward(x);
        model.train();
        Assert.Equal(0f, (model.forward(x) - eval).abs().max().item<float>());
    }
}
