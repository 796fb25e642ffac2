using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Features;
using SinGanSeg.Core.Features.Onnx;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Features;

public class ResNet18TorchvisionFileTests
{
    [Fact]
    public void Saved_weights_reload_into_a_fresh_network_with_equal_outputs()
    {
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("resnet18-pth");
        var path = Path.Combine(dir, "resnet18.pth");
        using var source = ResNet18Weights.FromBundledOnnx();
        source.SaveTorchvision(path);

        using var reloaded = new ResNet18(ResNetPadding.Asymmetric, ResNet18.CntkBlocks);
        reloaded.LoadTorchvision(path);

        var x = randn(2, 3, 96, 128);
        Assert.Equal(0f, (source.forward(x) - reloaded.forward(x)).abs().max().item<float>());
        var stem = source.Features(x, ResNetStage.Stem)[0];
        Assert.Equal(0f, (stem - reloaded.Features(x, ResNetStage.Stem)[0]).abs().max().item<float>());
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_file_missing_a_key_is_rejected_naming_file_and_key()
    {
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("resnet18-pth");
        var path = Path.Combine(dir, "partial.pth");
        using var model = new ResNet18();
        var dict = model.state_dict()
            .Where(kv => kv.Key != "layer3.1.bn2.running_var")
            .Append(new KeyValuePair<string, Tensor>("classifier.weight", zeros(3)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        StateDictFile.Save(path, dict);

        using var fresh = new ResNet18();
        var error = Assert.Throws<InvalidDataException>(() => fresh.LoadTorchvision(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("layer3.1.bn2.running_var", error.Message);
        Assert.Contains("unexpected keys (1): classifier.weight", error.Message);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18();
        var path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.pth");
        var error = Assert.Throws<FileNotFoundException>(() => model.LoadTorchvision(path));
        Assert.Contains(path, error.Message);
    }
}
