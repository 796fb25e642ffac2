using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Metrics;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Metrics;

/// <summary>Named for SIFID so the SIFID test filter picks these up.</summary>
public class SifidFrechetDistanceTests(ITestOutputHelper output)
{
    private static string CasesFile => TestData.ReferenceFile("sifid_frechet_cases.pth");

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        using var scope = NewDisposeScope();
        var tensors = TorchArchive.LoadTensorDict(CasesFile);
        try
        {
            for (var i = 0; tensors.ContainsKey($"case_{i}_frechet"); i++) data.Add(i);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference_within_1e6_relative(int index)
    {
        using var scope = NewDisposeScope();
        var tensors = TorchArchive.LoadTensorDict(CasesFile);
        var expected = tensors[$"case_{index}_frechet"].item<double>();
        var actual = FrechetDistance.Between(tensors[$"case_{index}_act_real"], tensors[$"case_{index}_act_fake"]);
        var relative = Math.Abs(actual - expected) / Math.Abs(expected);
        output.WriteLine($"case {index}: expected {expected:R}, actual {actual:R}, relative error {relative:E2}");
        Assert.True(relative <= 1e-6, $"case {index}: expected {expected:R}, got {actual:R} (relative error {relative:E2})");
    }

    [Fact]
    public void Fewer_positions_than_channels_gives_the_exact_value_for_equal_covariances()
    {
        // 16 channels over 3×3 positions: both covariances have rank 8 at most. A shifted copy
        // has the same covariance, so the distance is exactly |shift|² (tr √(S²) = tr S).
        using var scope = NewDisposeScope();
        var gen = new Generator(5);
        var a = randn([1, 16, 3, 3], generator: gen);
        var shift = randn([1, 16, 1, 1], generator: gen);
        var b = a + shift;
        var expected = shift.to(ScalarType.Float64).pow(2).sum().item<double>();
        var actual = FrechetDistance.Between(a, b);
        Assert.True(double.IsFinite(actual));
        Assert.True(Math.Abs(actual - expected) <= 1e-9 * expected, $"expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void Singular_covariances_give_a_finite_symmetric_non_negative_distance()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(9);
        var a = randn([1, 32, 4, 5], generator: gen);
        var b = randn([1, 32, 5, 3], generator: gen).mul(1.5);
        // A dead channel, as ReLU features often have: an all-zero row and column in the covariance.
        a[0, 7] = zeros(4, 5);
        var ab = FrechetDistance.Between(a, b);
        var ba = FrechetDistance.Between(b, a);
        Assert.True(double.IsFinite(ab) && ab > 0, $"d(a, b) = {ab}");
        Assert.True(Math.Abs(ab - ba) <= 1e-9 * ab, $"d(a, b) = {ab:R}, d(b, a) = {ba:R}");
        Assert.True(Math.Abs(FrechetDistance.Between(a, a)) <= 1e-9, "d(a, a) should be 0");
    }

    [Fact]
    public void Rejects_maps_with_a_batch_or_a_single_position()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => FrechetDistance.Statistics(zeros(2, 4, 3, 3)));
        Assert.Throws<ArgumentException>(() => FrechetDistance.Statistics(zeros(1, 4, 1, 1)));
    }
}
