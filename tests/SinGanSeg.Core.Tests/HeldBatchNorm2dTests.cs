using SinGanSeg.Core.Model;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Guards <see cref="HeldBatchNorm2d"/>: what TorchSharp's module computes in training and eval
/// (outputs, gradients, running statistics, batch count), its state dict names, and a batch count
/// that survives the GC finalizing temporaries while libtorch reads them.
/// </summary>
[Collection(GcPressureCollection.Name)]
public class HeldBatchNorm2dTests(ITestOutputHelper output)
{
    [Fact]
    public void Computes_and_tracks_what_the_TorchSharp_module_does_in_training_and_eval()
    {
        using var scope = NewDisposeScope();
        using var ours = new HeldBatchNorm2d(6);
        using var theirs = nn.BatchNorm2d(6);
        using (no_grad())
        {
            // Non-trivial affine parameters, the same in both.
            var w = randn(6, generator: new Generator(1));
            var b = randn(6, generator: new Generator(2));
            ours.weight.copy_(w); theirs.weight.copy_(w);
            ours.bias!.copy_(b); theirs.bias!.copy_(b);
        }
        Assert.Equal(theirs.state_dict().Keys.Order(), ours.state_dict().Keys.Order());

        for (var step = 0; step < 3; step++)
        {
            var x = (randn([4, 6, 7, 5], generator: new Generator(10UL + (ulong)step)) * 3 + 1).detach();
            var a = x.detach().requires_grad_(true);
            var c = x.detach().requires_grad_(true);
            var ya = ours.call(a);
            var yc = theirs.call(c);
            Assert.True(ya.allclose(yc, rtol: 0, atol: 0), $"training output, step {step}");
            var upstream = randn(ya.shape, generator: new Generator(20UL + (ulong)step));
            var grads = torch.autograd.grad([(ya * upstream).sum()], [a, ours.weight, ours.bias!]);
            var expected = torch.autograd.grad([(yc * upstream).sum()], [c, theirs.weight, theirs.bias!]);
            for (var i = 0; i < grads.Count; i++) Assert.True(grads[i].allclose(expected[i], rtol: 0, atol: 0), $"gradient {i}, step {step}");
        }
        Assert.True(ours.running_mean!.allclose(theirs.running_mean!, rtol: 0, atol: 0));
        Assert.True(ours.running_var!.allclose(theirs.running_var!, rtol: 0, atol: 0));
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
        Assert.Equal(theirs.num_batches_tracked!.item<long>(), ours.num_batches_tracked!.item<long>());
        Assert.Equal(ScalarType.Int64, ours.num_batches_tracked!.dtype);

        ours.eval();
        theirs.eval();
        var probe = randn([2, 6, 4, 4], generator: new Generator(30)) * 5 - 2;
        var eo = ours.call(probe);
        var et = theirs.call(probe);
        Assert.True(eo.allclose(et, rtol: 0, atol: 0), "eval output");
        // Eval normalises with the running statistics, not the batch's.
        var byRunning = nn.functional.batch_norm(probe, ours.running_mean!, ours.running_var!, ours.weight, ours.bias!, training: false, momentum: 0.1, eps: 1e-5);
        output.WriteLine($"eval output equals running-statistics normalisation: {eo.allclose(byRunning, rtol: 0, atol: 0)}");
        Assert.True(eo.allclose(byRunning, rtol: 0, atol: 0), "eval uses the running statistics");
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
    }

    [Fact]
    public void Refuses_an_input_that_is_not_four_dimensional()
    {
        using var norm = new HeldBatchNorm2d(3);
        using var x = zeros(3, 5);
        var error = Assert.Throws<ArgumentException>(() => norm.call(x));
        Assert.Contains("4-D", error.Message);
    }

    [Fact]
    public void Keeps_its_batch_count_alive_while_the_GC_finalizes_on_another_thread()
    {
        using var norm = new HeldBatchNorm2d(4);
        using var x = randn([2, 4, 6, 6], generator: new Generator(5));
        var (calls, collections) = GcPressure.Repeat(TimeSpan.FromSeconds(3), () =>
        {
            using var y = norm.call(x);
        });
        Assert.Equal(calls, norm.num_batches_tracked!.item<long>());
        output.WriteLine($"{calls} calls beside {collections} collections");
    }
}
