using SinGanSeg.Bench;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Tests;

// The benchmark's Winograd convolution must be the same function as libtorch's, or its timings
// compare different work: values, both gradients and the gradient penalty's double backward.
public class WinogradConvolutionTests
{
    [Theory]
    [InlineData(3, 5, 7, 9)]    // odd output sizes: the last tile is cut
    [InlineData(8, 4, 10, 12)]  // even sizes, more output than input channels
    public void Equals_libtorchs_convolution_in_value_gradients_and_double_backward(int inChannels, int outChannels, int height, int width)
    {
        Native.TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(3);
        var (kernels, g, output) = WinogradBenchmark.Matrices();
        var x = randn(2, inChannels, height + 2, width + 2, dtype: float64).requires_grad_(true);
        var weight = randn(outChannels, inChannels, 3, 3, dtype: float64).requires_grad_(true);
        Tensor[] Run(bool winograd)
        {
            var y = winograd ? WinogradBenchmark.Conv3x3(x, weight, kernels.to(float64), g.to(float64), output.to(float64)) : F.conv2d(x, weight);
            var upstream = arange(y.numel(), dtype: float64).view(y.shape).sin();
            // As the gradient penalty does: the input gradient with a graph, then its norm's gradient.
            var gradX = autograd.grad([y], [x], [upstream], create_graph: true)[0];
            var second = autograd.grad([gradX.pow(2).sum()], [weight])[0];
            return [y.detach(), gradX.detach(), second];
        }
        var direct = Run(false);
        var wino = Run(true);
        Assert.Equal(direct[0].shape, wino[0].shape);
        for (var i = 0; i < 3; i++)
            Assert.True(allclose(direct[i], wino[i], rtol: 1e-9, atol: 1e-9), $"part {i} differs by {(direct[i] - wino[i]).abs().max().item<double>()}");
    }
}
