using System.Text.Json;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Pyramid;

namespace SinGanSeg.Core.Tests;

public class PyramidTests
{
    [Fact]
    public void Every_reference_geometry_entry_matches()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.ReferenceFile("pyramid_geometry.json")));
        var count = 0;
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var hw = e.GetProperty("input_hw");
            var g = PyramidGeometry.Compute(hw[0].GetInt32(), hw[1].GetInt32(), e.GetProperty("min_size").GetInt32(), e.GetProperty("max_size").GetInt32(), 0.75);
            var where = $"{hw[0]}x{hw[1]} min {g.MinSize} max {g.MaxSize}";
            Assert.True(e.GetProperty("num_scales").GetInt32() == g.NumScales, $"{where}: num_scales");
            Assert.True(e.GetProperty("stop_scale").GetInt32() == g.StopScale, $"{where}: stop_scale");
            Assert.True(e.GetProperty("scale1").GetDouble() == g.Scale1, $"{where}: scale1 {g.Scale1}");
            Assert.True(e.GetProperty("scale_factor").GetDouble() == g.ScaleFactor, $"{where}: scale_factor {g.ScaleFactor:R}");
            Assert.Equal([e.GetProperty("resized_hw")[0].GetInt32(), e.GetProperty("resized_hw")[1].GetInt32()], new[] { g.Resized.Height, g.Resized.Width });
            var levels = e.GetProperty("pyramid_hw").EnumerateArray().Select(l => new LevelSize(l[0].GetInt32(), l[1].GetInt32())).ToList();
            Assert.Equal(levels, g.Levels);
            count++;
        }
        Assert.True(count >= 10, $"only {count} geometry entries read");
    }

    [Fact]
    public void Rejects_images_smaller_than_the_coarsest_scale()
    {
        var e = Assert.Throws<InvalidInputException>(() => PyramidGeometry.Compute(20, 300, 25, 250, 0.75, "thin.png"));
        Assert.Contains("thin.png", e.Message);
        Assert.Contains("25 px", e.Message);
    }

    [Fact]
    public void Rejects_aspect_ratios_that_leave_no_pyramid()
    {
        var e = Assert.Throws<InvalidInputException>(() => PyramidGeometry.Compute(30, 2000, 25, 250, 0.75, "strip.png"));
        Assert.Contains("aspect ratio", e.Message);
    }
}
