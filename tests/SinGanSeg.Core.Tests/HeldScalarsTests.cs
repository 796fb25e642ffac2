using SinGanSeg.Core.Execution;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Guards <see cref="HeldScalars"/>: each operation computes exactly what TorchSharp's own call
/// computes, and none of them hands libtorch a Scalar the GC can free mid-call. TorchSharp's own
/// <c>a + b</c> and <c>x.mul(0.2)</c> fail the second test within a second (checked when written).
/// </summary>
[Collection(GcPressureCollection.Name)]
public class HeldScalarsTests(ITestOutputHelper output)
{
    private static readonly (string Name, Func<Tensor, Tensor, Tensor> Ours, Func<Tensor, Tensor, Tensor> Theirs)[] Operations =
    [
        ("a + b", (a, b) => a.Plus(b), (a, b) => a + b),
        ("a + 1", (a, _) => a.Plus(1), (a, _) => a.add(1)),
        ("a - 0.5", (a, _) => a.Minus(0.5), (a, _) => a.sub(0.5)),
        ("a * 0.37f", (a, _) => a.Times(0.37f), (a, _) => a.mul(0.37f)),
        ("a * 2", (a, _) => a.Times(2), (a, _) => a.mul(2)),
        ("a / 255", (a, _) => a.Over(255), (a, _) => a.div(255)),
        ("a ^ 2", (a, _) => a.Power(2), (a, _) => a.pow(2)),
        ("a²", (a, _) => a.Squared(), (a, _) => a.square()),
        ("clamp(a, -1, 1)", (a, _) => a.Clamped(-1, 1), (a, _) => a.clamp(-1, 1)),
        ("max(a, 1e-6)", (a, _) => a.ClampedBelow(1e-6), (a, _) => a.clamp_min(1e-6)),
        ("1 - a", (a, _) => a.SubtractedFrom(1), (a, _) => 1 - a),
        ("a < 0.5", (a, _) => a.LessThan(0.5), (a, _) => a.lt(0.5)),
        ("a > 0.5", (a, _) => a.GreaterThan(0.5), (a, _) => a.gt(0.5)),
        ("bytes(a) * 255", (a, _) => a.GreaterThan(0).to(ScalarType.Byte).Times(255), (a, _) => a.gt(0).to(ScalarType.Byte).mul(255)),
        ("a += b", (a, b) => a.clone().PlusInPlace(b), (a, b) => a.clone().add_(b)),
        ("a += 1e-8", (a, _) => a.clone().PlusInPlace(1e-8), (a, _) => a.clone().add_(1e-8)),
        ("a *= 0.999", (a, _) => a.clone().TimesInPlace(0.999), (a, _) => a.clone().mul_(0.999)),
        ("a /= 0.3", (a, _) => a.clone().OverInPlace(0.3), (a, _) => a.clone().div_(0.3)),
        ("lerp_(a, b, 0.1)", (a, b) => a.clone().LerpInPlace(b, 0.1), (a, b) => a.clone().lerp_(b, 0.1)),
        ("addcmul_(a, b, b, 0.001)", (a, b) => a.clone().AddProductInPlace(b, b, 0.001), (a, b) => a.clone().addcmul_(b, b, 0.001)),
        ("addcdiv_(a, b, b², -0.01)", (a, b) => a.clone().AddQuotientInPlace(b, b.Squared(), -0.01), (a, b) => a.clone().addcdiv_(b, b.square(), -0.01)),
    ];

    public static TheoryData<string> Names() => [.. Operations.Select(o => o.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Computes_exactly_what_TorchSharp_computes(string name)
    {
        var (_, ours, theirs) = Operations.Single(o => o.Name == name);
        using var scope = NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var a = randn([2, 4, 7, 9], dtype, generator: new Generator(7));
            var b = randn([2, 4, 7, 9], dtype, generator: new Generator(8));
            var mine = ours(a, b);
            var reference = theirs(a, b);
            Assert.Equal(reference.dtype, mine.dtype);
            Assert.True(mine.allclose(reference, rtol: 0, atol: 0), $"{name} on {dtype}");
        }
    }

    [Fact]
    public void Hands_libtorch_no_scalar_the_GC_can_free_mid_call()
    {
        using var a = randn([1, 4, 8, 8], generator: new Generator(5));
        using var b = randn([1, 4, 8, 8], generator: new Generator(6));
        foreach (var (name, ours, _) in Operations)
        {
            var (calls, collections) = GcPressure.Repeat(TimeSpan.FromSeconds(1), () =>
            {
                // The scope holds the tensor temporaries (clones, b²), as the engine's scopes do; it does not hold Scalars.
                using var scope = NewDisposeScope();
                ours(a, b);
            });
            output.WriteLine($"{name}: {calls} calls beside {collections} collections");
        }
    }
}
