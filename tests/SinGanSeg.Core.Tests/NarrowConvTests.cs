using SinGanSeg.Core.Model;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Guards the workaround in <see cref="NarrowConv2d"/>: for every tail shape the networks use,
/// the float32 input and weight gradients must match a float64 computation.
/// </summary>
public class NarrowConvTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(32, 4, 35, 40)]
    [InlineData(32, 1, 25, 30)]
    [InlineData(64, 4, 106, 122)]
    [InlineData(128, 4, 120, 140)]
    [InlineData(128, 1, 110, 130)]
    public void Gradients_match_float64(int inChannels, int outChannels, int height, int width)
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        using var conv = new NarrowConv2d(inChannels, outChannels, 3);
        var gen = new Generator(11);
        using var x = randn([1, inChannels, height, width], generator: gen);
        using var upstream = randn([1, outChannels, height - 2, width - 2], generator: gen);

        var x32 = x.detach().requires_grad_(true);
        var y32 = conv.call(x32);
        var grads32 = torch.autograd.grad([(y32 * upstream).sum()], [x32, conv.Weight]);

        var x64 = x.to(ScalarType.Float64).requires_grad_(true);
        var w64 = conv.Weight.detach().to(ScalarType.Float64).requires_grad_(true);
        var y64 = nn.functional.conv2d(x64, w64, conv.Bias.detach().to(ScalarType.Float64));
        var grads64 = torch.autograd.grad([(y64 * upstream.to(ScalarType.Float64)).sum()], [x64, w64]);

        double Rel(Tensor a, Tensor b) => ((a.to(ScalarType.Float64) - b).abs().max() / b.abs().max()).item<double>();
        var (fwd, dx, dw) = (Rel(y32, y64), Rel(grads32[0], grads64[0]), Rel(grads32[1], grads64[1]));
        output.WriteLine($"{inChannels}->{outChannels} at {height}x{width}: forward {fwd:E1}, input grad {dx:E1}, weight grad {dw:E1}");
        Assert.True(fwd < 1e-4 && dx < 1e-4 && dw < 1e-4, $"relative errors: forward {fwd:E1}, input grad {dx:E1}, weight grad {dw:E1}");
    }
}
