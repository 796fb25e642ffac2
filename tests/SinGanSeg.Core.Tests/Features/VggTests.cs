using System.Text.Json;
using SinGanSeg.Core.Features;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Features;

public sealed class VggTests
{
    private static Dictionary<string, long[]> Reference(string network)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.ReferenceFile("torchvision_state_dict_keys.json")));
        return doc.RootElement.GetProperty(network).EnumerateArray()
            .ToDictionary(e => e[0].GetString()!, e => e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray());
    }

    [Theory]
    [InlineData(VggKind.Vgg16, "vgg16")]
    [InlineData(VggKind.Vgg19, "vgg19")]
    public void State_dict_names_and_shapes_are_torchvisions(VggKind kind, string network)
    {
        using var scope = NewDisposeScope();
        using var vgg = new Vgg(kind, withClassifier: true);
        var ours = vgg.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var theirs = Reference(network);
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        foreach (var (k, shape) in theirs) Assert.Equal(shape, ours[k]);
    }

    [Fact]
    public void Features_stop_early_and_read_conv_outputs_after_their_relu()
    {
        using var scope = NewDisposeScope();
        using var vgg = new Vgg(VggKind.Vgg16);
        var x = randn([1, 3, 32, 40], generator: new Generator(3));
        var picked = vgg.Features(x, [0, 5, 28]);
        var full = x;
        var afterRelu = new Dictionary<int, Tensor>();
        var modules = vgg.named_modules().Where(m => m.name.StartsWith("features.")).ToDictionary(m => int.Parse(m.name["features.".Length..]), m => (nn.Module<Tensor, Tensor>)m.module);
        for (var i = 0; i <= 29; i++)
        {
            full = modules[i].call(full);
            afterRelu[i] = full;
        }
        Assert.True(picked[0].sub(afterRelu[1]).abs().max().item<float>() == 0);
        Assert.True(picked[1].sub(afterRelu[6]).abs().max().item<float>() == 0);
        Assert.True(picked[2].sub(afterRelu[29]).abs().max().item<float>() == 0);
        Assert.True(picked[2].min().item<float>() >= 0);
    }

    [Fact]
    public void A_torchvision_file_loads_without_its_classifier_and_a_wrong_file_is_named()
    {
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("vgg-file");
        var file = Path.Combine(dir, "vgg16.pth");
        using (var full = new Vgg(VggKind.Vgg16, withClassifier: true)) full.save_py(file);
        using var features = new Vgg(VggKind.Vgg16);
        features.LoadTorchvision(file);
        using var reference = new Vgg(VggKind.Vgg16, withClassifier: true);
        reference.LoadTorchvision(file);
        var x = randn([1, 3, 24, 24], generator: new Generator(1));
        Assert.True(features.Features(x, [28])[0].sub(reference.Features(x, [28])[0]).abs().max().item<float>() == 0);

        var wrong = Path.Combine(dir, "vgg19.pth");
        using (var other = new Vgg(VggKind.Vgg19)) other.save_py(wrong);
        using var target = new Vgg(VggKind.Vgg16);
        var e = Assert.Throws<InvalidDataException>(() => target.LoadTorchvision(wrong));
        Assert.Contains(wrong, e.Message);
        Assert.Contains("features.", e.Message);
        Directory.Delete(dir, recursive: true);   // 0.6 GB; not left for the process's exit
    }
}
