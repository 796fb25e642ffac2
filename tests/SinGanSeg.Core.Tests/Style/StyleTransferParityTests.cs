using SinGanSeg.Core.Features;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Style;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Style;

/// <summary>
/// Replays style_transfer_trace.pth: VGG16 with the trace's integer-hash weights (fixture
/// README), the features at every picked index, the losses at steps 0–4 and the image after 5
/// steps for the ratios 1:1 and 1:1000.
/// </summary>
public sealed class StyleTransferParityTests(ITestOutputHelper output)
{
    private static readonly string[] StyleNames = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"];

    /// <summary>The reference's names for features indices (VGG19 numbering on VGG16).</summary>
    private static readonly (string Name, int Index)[] Picked =
        [("conv1_1", 0), ("conv2_1", 5), ("conv3_1", 10), ("conv4_1", 19), ("conv4_2", 21), ("conv5_1", 28)];

    /// <summary>
    /// conv k (k = 0…12): weight.flatten()[i] = (2u − 1)·sqrt(6/(in·9)) with
    /// u = ((i·2654435761 + (k+1)·97531) mod 2³²)/2³² in unsigned 64-bit arithmetic;
    /// bias[j] = 0.01·cos(0.5·j + k); computed in float64, stored as float32.
    /// </summary>
    internal static Vgg TraceVgg16()
    {
        var vgg = new Vgg(VggKind.Vgg16);
        var parameters = vgg.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var _ = no_grad();
        for (var k = 0; k < vgg.ConvIndices.Count; k++)
        {
            var weight = parameters[$"features.{vgg.ConvIndices[k]}.weight"];
            var bias = parameters[$"features.{vgg.ConvIndices[k]}.bias"];
            var inChannels = weight.shape[1];
            var limit = Math.Sqrt(6.0 / (inChannels * 9));
            var w = new float[weight.numel()];
            for (ulong i = 0; i < (ulong)w.Length; i++)
            {
                var u = ((i * 2654435761UL + (ulong)(k + 1) * 97531UL) % 4294967296UL) / 4294967296.0;
                w[i] = (float)((2 * u - 1) * limit);
            }
            var b = new float[bias.numel()];
            for (var j = 0; j < b.Length; j++) b[j] = (float)(0.01 * Math.Cos(0.5 * j + k));
            using var wt = tensor(w).reshape(weight.shape);
            using var bt = tensor(b);
            weight.copy_(wt);
            bias.copy_(bt);
        }
        return vgg;
    }

    [Fact]
    public void Features_at_every_picked_index_match()
    {
        using var scope = NewDisposeScope();
        var t = TorchArchive.LoadTensorDict(TestData.ReferenceFile("style_transfer_trace.pth"));
        using var vgg = TraceVgg16();
        var indices = Picked.Select(p => p.Index).ToArray();
        foreach (var image in new[] { "content", "style" })
        {
            var ours = vgg.Features(t[image], indices);
            for (var i = 0; i < Picked.Length; i++)
            {
                var expected = t[$"{image}_feature_{Picked[i].Name}"];
                var diff = ours[i].sub(expected).abs().max().item<float>();
                var scale = expected.abs().max().item<float>();
                output.WriteLine($"{image} {Picked[i].Name} (features {Picked[i].Index}): max |diff| {diff:E2} of max {scale:E2}");
                Assert.True(diff <= 1e-5 * Math.Max(1, scale), $"{image} {Picked[i].Name}: max |diff| {diff:E2}");
            }
        }
    }

    /// <summary>
    /// Steps 1–4 and the image tell the content layer apart: the reference's is features 28
    /// (<c>content_layer = "conv5_1"</c>); features 21 (its "conv4_2") moves the 1:1 image by ~1.6e-2.
    /// </summary>
    [Theory]
    [InlineData("ratio_1_1", 1.0, 1.0)]
    [InlineData("ratio_1_1000", 1.0, 1000.0)]
    public void Five_steps_reproduce_the_reference_losses_and_image(string ratio, double contentWeight, double styleWeight)
    {
        using var scope = NewDisposeScope();
        var t = TorchArchive.LoadTensorDict(TestData.ReferenceFile("style_transfer_trace.pth"));
        using var network = new VggStyleNetwork(TraceVgg16());
        var config = new StyleTransferConfig { Steps = 5, Ratio = new StyleWeightRatio(contentWeight, styleWeight) };
        using var optimisation = new StyleOptimization(network, t["content"], t["style"], config);
        var expectedContent = t[ratio + "_content_loss"].data<double>().ToArray();
        var expectedStyle = t[ratio + "_style_loss"].data<double>().ToArray();
        for (var step = 0; step < 5; step++)
        {
            var losses = optimisation.StepOnce();
            var content = losses.Content[0];
            var style = losses.Style[0];
            output.WriteLine($"step {step}: content {content:E6} vs {expectedContent[step]:E6}, style {style:E6} vs {expectedStyle[step]:E6}");
            // Content losses start at exactly 0 and stay near 1e-8; features 21 would be off by ~3e-7.
            Assert.True(Math.Abs(content - expectedContent[step]) <= 1e-12 + 1e-3 * expectedContent[step], $"step {step}: content loss {content:E6} vs reference {expectedContent[step]:E6}");
            Assert.True(Math.Abs(style - expectedStyle[step]) <= 1e-4 * expectedStyle[step], $"step {step}: style loss {style:E6} vs reference {expectedStyle[step]:E6}");
        }
        var image = optimisation.Pixels.detach();
        var imageDiff = image.sub(t[ratio + "_image_after_5_steps"]).abs().max().item<float>();
        output.WriteLine($"image after 5 steps: max |diff| {imageDiff:E2}");
        Assert.True(imageDiff <= 1e-4, $"image after 5 steps: max |diff| {imageDiff:E2}");
    }

    [Fact]
    public void The_reference_content_layer_is_features_28()
    {
        Assert.Equal(28, VggStyleNetwork.ReferenceContentIndex);
        // And the other candidate really is distinguishable by the trace (so the test above can fail).
        using var scope = NewDisposeScope();
        var t = TorchArchive.LoadTensorDict(TestData.ReferenceFile("style_transfer_trace.pth"));
        using var network = new VggStyleNetwork(TraceVgg16(), contentIndex: 21);
        var config = new StyleTransferConfig { Steps = 5, Ratio = new StyleWeightRatio(1, 1) };
        using var optimisation = new StyleOptimization(network, t["content"], t["style"], config);
        for (var step = 0; step < 5; step++) optimisation.StepOnce();
        var imageDiff = optimisation.Pixels.detach().sub(t["ratio_1_1_image_after_5_steps"]).abs().max().item<float>();
        output.WriteLine($"content at features 21: image after 5 steps max |diff| {imageDiff:E2}");
        Assert.True(imageDiff > 1e-3, $"content at features 21 reproduced the image too ({imageDiff:E2}); the check cannot tell the layers apart");
    }

    [Theory]
    [InlineData("ratio_1_1")]
    [InlineData("ratio_1_1000")]
    public void Step_zero_losses_from_the_reference_activations_match(string ratio)
    {
        using var scope = NewDisposeScope();
        var t = TorchArchive.LoadTensorDict(TestData.ReferenceFile("style_transfer_trace.pth"));
        var target = StyleNames.Select(n => t["content_feature_" + n]).ToArray();
        var grams = StyleNames.Select(n => GramMatrix.Of(t["style_feature_" + n])).ToArray();
        var weights = new[] { 0.75, 0.5, 0.25, 0.25, 0.25 };

        var style = StyleObjective.StyleLoss(target, grams, weights).item<float>();
        var content = StyleObjective.ContentLoss(t["content_feature_conv5_1"], t["content_feature_conv5_1"]).item<float>();

        var expectedStyle = t[ratio + "_style_loss"][0].item<double>();
        Assert.InRange(Math.Abs(style - expectedStyle) / expectedStyle, 0, 1e-4);
        Assert.Equal(t[ratio + "_content_loss"][0].item<double>(), content);
    }

    [Fact]
    public void Style_weights_are_the_reference_ones()
    {
        using var scope = NewDisposeScope();
        var t = TorchArchive.LoadTensorDict(TestData.ReferenceFile("style_transfer_trace.pth"));
        var target = StyleNames.Select(n => t["content_feature_" + n]).ToArray();
        var grams = StyleNames.Select(n => GramMatrix.Of(t["style_feature_" + n])).ToArray();
        // The first layer carries almost all of the loss, so a wrong weight there shows at once;
        // the second contributes about 4e-5 relative, still ten times the tolerance below.
        var expected = t["ratio_1_1_style_loss"][0].item<double>();
        foreach (var wrong in new[] { new[] { 1.0, 0.75, 0.2, 0.2, 0.2 }, new[] { 0.75, 0.25, 0.25, 0.25, 0.25 } })
        {
            var style = StyleObjective.StyleLoss(target, grams, wrong).to(ScalarType.Float64).item<double>();
            Assert.True(Math.Abs(style - expected) / expected > 4e-6, $"weights {string.Join(",", wrong)} should not match");
        }
    }
}
