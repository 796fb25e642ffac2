using System.Text.Json;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Features;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Features;

public class InceptionV3Tests
{
    private static List<(string Key, long[] Shape)> TorchvisionKeys()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.ReferenceFile("torchvision_state_dict_keys.json")));
        return doc.RootElement.GetProperty("inception_v3").EnumerateArray()
            .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray()))
            .ToList();
    }

    [Fact]
    public void State_dict_keys_and_shapes_equal_torchvision()
    {
        using var scope = NewDisposeScope();
        using var net = new InceptionV3();
        var expected = TorchvisionKeys();
        // TorchSharp lists all parameters before all buffers, PyTorch module by module; loading goes by name.
        var actual = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(580, expected.Count);
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[key]), $"{key}: expected [{string.Join(",", shape)}], got [{string.Join(",", actual[key])}]");
    }

    [Fact]
    public void Stays_in_eval_mode_without_gradients()
    {
        using var scope = NewDisposeScope();
        using var net = new InceptionV3();
        net.train();
        Assert.False(net.training);
        Assert.All(net.modules(), m => Assert.False(m.training));
        Assert.All(net.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void First_block_gives_64_channels_at_147_for_a_299_input()
    {
        using var scope = NewDisposeScope();
        using var net = new InceptionV3();
        var image = rand(1, 3, 120, 90, generator: new Generator(3));
        var features = net.FirstBlock(InceptionV3.Preprocess(image));
        Assert.Equal([1L, InceptionV3.FirstBlockChannels, 147, 147], features.shape);
        Assert.True(features.min().item<float>() >= 0, "first block ends in a ReLU");
    }

    [Fact]
    public void Preprocess_resizes_bilinearly_to_299_and_maps_to_minus_one_one()
    {
        using var scope = NewDisposeScope();
        var image = full(1, 3, 40, 50, 0.25f);
        var x = InceptionV3.Preprocess(image);
        Assert.Equal([1L, 3, 299, 299], x.shape);
        Assert.True((x + 0.5f).abs().max().item<float>() < 1e-6);
        Assert.Equal([1L, 3, 40, 50], InceptionV3.Preprocess(image, resize: false).shape);
    }

    [Fact]
    public void PyBridge_save_and_load_round_trip()
    {
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("inception-roundtrip");
        try
        {
            var path = Path.Combine(dir, "inception_v3.pth");
            using var source = RandomisedNetwork(21);
            source.save_py(path);

            using var viaPyBridge = new InceptionV3();
            viaPyBridge.load_py(path);
            AssertSameState(source, viaPyBridge);

            using var viaLoadWeights = new InceptionV3().LoadWeights(path);
            AssertSameState(source, viaLoadWeights);

            var image = rand(1, 3, 64, 64, generator: new Generator(4));
            var x = InceptionV3.Preprocess(image);
            Assert.True(source.FirstBlock(x).equal(viaLoadWeights.FirstBlock(x)).all().item<bool>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Missing_key_is_named_with_the_file_and_nothing_is_loaded()
    {
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("inception-missing");
        try
        {
            var path = Path.Combine(dir, "partial.pth");
            const string dropped = "Mixed_6c.branch7x7dbl_4.bn.running_var";
            using (var source = RandomisedNetwork(22)) source.save_py(path, skip: [dropped]);

            using var target = new InceptionV3();
            var before = target.state_dict()["Conv2d_1a_3x3.conv.weight"].clone();
            var e = Assert.Throws<InvalidDataException>(() => target.LoadWeights(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("missing keys (1)", e.Message);
            Assert.Contains(dropped, e.Message);
            Assert.True(before.equal(target.state_dict()["Conv2d_1a_3x3.conv.weight"]).all().item<bool>(), "a failed load must not change the module");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Unexpected_and_misshapen_keys_are_named()
    {
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("inception-unexpected");
        try
        {
            var path = Path.Combine(dir, "odd.pth");
            using (var source = new InceptionV3())
            {
                var dict = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
                dict["extra.weight"] = zeros(3);
                dict["fc.bias"] = zeros(10);
                StateDictFile.Save(path, dict);
            }
            using var target = new InceptionV3();
            var e = Assert.Throws<InvalidDataException>(() => target.LoadWeights(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("unexpected keys (1): extra.weight", e.Message);
            Assert.Contains("fc.bias [10] (expected [1000])", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Missing_file_is_named()
    {
        using var scope = NewDisposeScope();
        using var net = new InceptionV3();
        var e = Assert.Throws<FileNotFoundException>(() => net.LoadWeights("/nonexistent/inception_v3.pth"));
        Assert.Contains("/nonexistent/inception_v3.pth", e.Message);
    }

    /// <summary>Random weights and non-default BatchNorm statistics, so a round trip that dropped buffers would show.</summary>
    internal static InceptionV3 RandomisedNetwork(int seed)
    {
        var net = new InceptionV3();
        var gen = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, t) in net.state_dict())
        {
            if (name.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(rand(t.shape, generator: gen).add(0.5));
            else if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) t.fill_(7);
            else if (t.is_floating_point()) t.copy_(randn(t.shape, generator: gen).mul(0.1));
        }
        return net;
    }

    private static void AssertSameState(nn.Module expected, nn.Module actual)
    {
        var a = actual.state_dict();
        foreach (var (name, t) in expected.state_dict())
            Assert.True(t.equal(a[name]).all().item<bool>(), $"{name} differs after the round trip");
    }
}
