using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SinGanSeg.Core.Features;
using SinGanSeg.Core.Features.Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Features;

/// <summary>The imported weights against ONNX Runtime running the very file they came from.</summary>
public class ResNet18OnnxParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("polyp")]
    [InlineData("random")]
    public void Imported_network_matches_onnx_runtime_on_pooled_features(string input)
    {
        using var scope = NewDisposeScope();
        var rgb255 = input == "polyp" ? OnnxImage.Polyp224() : OnnxImage.Random224(seed: 7);
        using var preprocess = ResNetPreprocess.FromBundledOnnx();
        var x = preprocess.Apply(rgb255, PixelRange.Byte);

        var expected = RunOnnx(ResNet18Weights.FindBundledOnnx(), x);
        using var model = ResNet18Weights.FromBundledOnnx();
        Assert.Equal(ResNet18.CntkBlocks, model.BlocksPerLayer);
        var actual = OnnxImage.Values(model.forward(x));

        Assert.Equal(512, expected.Length);
        Assert.Equal(expected.Length, actual.Length);
        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"{input}: max |torch - onnxruntime| = {maxDiff:E3} (feature range {expected.Min():F3}..{expected.Max():F3})");
        Assert.True(maxDiff <= 1e-3, $"{input}: max |diff| {maxDiff}");
        // Non-trivial features: a wrong mapping could also agree if everything were zero.
        Assert.True(expected.Max() > 0.1f);
    }

    [Fact]
    public void Importing_into_the_torchvision_layout_names_the_layout_mismatch()
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18(ResNetPadding.Asymmetric);
        var error = Assert.Throws<InvalidDataException>(() => ResNet18Weights.ImportOnnx(model, ResNet18Weights.FindBundledOnnx()));
        Assert.Contains("[2,2,2,3]", error.Message);
    }

    [Fact]
    public void Padding_modes_agree_on_even_sizes_and_differ_on_odd_ones()
    {
        using var scope = NewDisposeScope();
        using var model = ResNet18Weights.FromBundledOnnx();
        var even = randn(1, 3, 224, 224) * 50;
        var odd = randn(1, 3, 225, 225) * 50;
        var stages = new[] { ResNetStage.Stem, ResNetStage.Layer4 };
        var asymmetricEven = model.Features(even, stages);
        var asymmetricOdd = model.Features(odd, stages);
        model.Padding = ResNetPadding.Symmetric;
        var symmetricEven = model.Features(even, stages);
        var symmetricOdd = model.Features(odd, stages);

        // Same grid either way: on even sizes the extra trailing pad row is never read.
        Assert.Equal(0f, (asymmetricEven[1] - symmetricEven[1]).abs().max().item<float>());
        // On odd sizes CNTK's padding drops the last row/column, as ONNX Runtime would.
        Assert.Equal([1L, 64, 112, 112], asymmetricOdd[0].shape);
        Assert.Equal([1L, 64, 113, 113], symmetricOdd[0].shape);
        Assert.Equal(0f, (asymmetricOdd[0] - symmetricOdd[0][.., .., ..112, ..112]).abs().max().item<float>());
    }

    [Fact]
    public void Preprocessing_matches_the_packaged_preprocessing_graph()
    {
        using var scope = NewDisposeScope();
        var rgb255 = OnnxImage.Polyp224();
        using var preprocess = ResNetPreprocess.FromBundledOnnx();
        var expected = RunOnnx(ResNet18Weights.FindBundledPreprocessOnnx(), rgb255);
        var fromBytes = OnnxImage.Values(preprocess.Apply(rgb255, PixelRange.Byte));
        var fromUnit = OnnxImage.Values(preprocess.Apply(rgb255 / 255f, PixelRange.Unit));

        Assert.True(expected.Zip(fromBytes, (e, a) => Math.Abs(e - a)).Max() <= 1e-4);
        Assert.True(expected.Zip(fromUnit, (e, a) => Math.Abs(e - a)).Max() <= 1e-3);
        var bgr = preprocess.ChannelMeanBgr;
        Assert.InRange(bgr[0], 100f, 106f);
        Assert.InRange(bgr[2], 120f, 126f);
    }

    [Fact]
    public void Other_sizes_subtract_the_per_channel_mean()
    {
        using var scope = NewDisposeScope();
        using var preprocess = ResNetPreprocess.FromBundledOnnx();
        var rgb = full([1L, 3, 100, 120], 0.5f);
        var x = preprocess.Apply(rgb, PixelRange.Unit);
        var mean = preprocess.ChannelMeanBgr;
        for (var c = 0; c < 3; c++)
            Assert.Equal(127.5f - mean[c], x[0, c].mean().item<float>(), 3);
    }

    private static float[] RunOnnx(string path, TorchSharp.torch.Tensor input)
    {
        using var session = new InferenceSession(path);
        var name = session.InputMetadata.Keys.Single();
        var dense = new DenseTensor<float>(OnnxImage.Values(input), input.shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, dense)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
