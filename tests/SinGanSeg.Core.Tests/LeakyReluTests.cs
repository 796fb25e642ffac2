using SinGanSeg.Core.Model;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Guards <see cref="LeakyRelu"/>: the same values and gradients as TorchSharp's module, no state,
/// and a slope that survives the GC finalizing temporaries while libtorch reads it.
/// </summary>
[Collection(GcPressureCollection.Name)]
public class LeakyReluTests(ITestOutputHelper output)
{
    [Fact]
    public void Computes_what_the_TorchSharp_module_computes_and_has_no_state()
    {
        using var scope = NewDisposeScope();
        using var ours = new LeakyRelu(0.2);
        using var theirs = nn.LeakyReLU(0.2);
        var x = randn([2, 8, 9, 11], generator: new Generator(3));
        var a = x.detach().requires_grad_(true);
        var b = x.detach().requires_grad_(true);
        var ya = ours.call(a);
        var yb = theirs.call(b);
        Assert.True(ya.allclose(yb, rtol: 0, atol: 0));
        var upstream = randn(ya.shape, generator: new Generator(4));
        var ga = torch.autograd.grad([(ya * upstream).sum()], [a])[0];
        var gb = torch.autograd.grad([(yb * upstream).sum()], [b])[0];
        Assert.True(ga.allclose(gb, rtol: 0, atol: 0));
        Assert.Empty(ours.state_dict());
    }

    [Fact]
    public void Keeps_its_slope_alive_while_the_GC_finalizes_on_another_thread()
    {
        using var module = new LeakyRelu(0.2);
        using var x = randn([1, 4, 8, 8], generator: new Generator(5));
        using var expected = nn.functional.leaky_relu(x, 0.2);
        var (calls, collections) = GcPressure.Repeat(TimeSpan.FromSeconds(3), () =>
        {
            using var y = module.call(x);
            Assert.True(y.allclose(expected));
        });
        output.WriteLine($"{calls} calls beside {collections} collections");
    }
}
