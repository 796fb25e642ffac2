using System.Text.Json;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Interop;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

public class ResizerTests
{
    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.ReferenceFile("imresize_cases.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("case").GetInt32());
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference_imresize_within_1e5(int index)
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.ReferenceFile("imresize_cases.json")));
        var spec = doc.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("case").GetInt32() == index);
        var tensors = TorchArchive.LoadTensorDict(TestData.ReferenceFile("imresize_cases.pth"));
        try
        {
            var input = tensors[$"in_{index}"];
            var expected = tensors[$"out_{index}"];
            using var actual = spec.GetProperty("kind").GetString() switch
            {
                "scale" => MatlabResize.Resize(input, spec.GetProperty("scale").GetDouble()),
                "to_shape" => MatlabResize.ResizeToShape(input,
                    spec.GetProperty("output_shape_hwc")[0].GetInt32(), spec.GetProperty("output_shape_hwc")[1].GetInt32()),
                var k => throw new InvalidDataException($"unknown case kind {k}"),
            };
            Assert.Equal(expected.shape, actual.shape);
            var maxDiff = (actual - expected).abs().max().item<float>();
            Assert.True(maxDiff <= 1e-5, $"case {index}: max |diff| {maxDiff}");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void Left_border_taps_are_dropped_and_renormalised_not_mirrored()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        // Shrinking 10 → 5 (antialiased, kernel width 8): output 1 sits at input 1.5 and its
        // taps span positions −4…5. The original wraps the negative positions to huge unsigned
        // indices whose kernel value is 0, so they drop out and the rest is renormalised.
        static double Cubic(double x)
        {
            var a = Math.Abs(x);
            return a <= 1 ? 1.5 * a * a * a - 2.5 * a * a + 1 : a <= 2 ? -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2 : 0;
        }
        var raw = Enumerable.Range(0, 10).Select(p => 0.5 * Cubic(0.5 * (1.5 - p - 1))).ToArray();
        var expected = raw.Select(v => v / raw.Sum()).ToArray();
        var w = MatlabResize.Weights(10, 5, 0.5, antialias: true);
        for (var p = 0; p < 10; p++) Assert.Equal(expected[p], w[p], 12);
        for (var i = 0; i < 5; i++) Assert.Equal(1.0, w.Skip(i * 10).Take(10).Sum(), 12);
    }

    [Fact]
    public void Truncates_to_uint8_before_resizing()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        // 0.999 maps to 254.87 → truncated to 254, so an identity resize returns 254/255, not 1.
        using var x = full(new long[] { 1, 1, 4, 4 }, 0.999f);
        using var y = MatlabResize.Resize(x, 1.0);
        var expected = (float)(254 / 255.0);
        Assert.Equal((expected - 0.5f) * 2, y[0, 0, 0, 0].item<float>(), 6);
    }
}
