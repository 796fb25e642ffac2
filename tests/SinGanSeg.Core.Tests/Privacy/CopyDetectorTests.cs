using SinGanSeg.Core.Privacy;

namespace SinGanSeg.Core.Tests.Privacy;

/// <summary>Each copy score on constructed cases from real Kvasir-SEG pairs at a sample's size (64×64).</summary>
public class CopyDetectorTests
{
    private const int Size = 64;
    private static readonly PairPixels Source = Load("cju0s690hkp960855tjuaqvv0");
    private static readonly PairPixels Other = Load("cju0tl3uz8blh0993wxvn7ly3");

    private static PairPixels Load(string id) => PairPixels.Load(TestData.PolypImage(id), TestData.PolypMask(id), Size, Size);

    [Fact]
    public void Exact_copy_scores_one_on_every_measure()
    {
        var s = new CopyDetector(Source).Score(Source);
        Assert.Equal(1, s.Ncc, 6);
        Assert.Equal(1, s.MaskIou, 6);
        Assert.Equal(1, s.PatchCopyShare, 6);
        Assert.Equal("none, dx=0, dy=0", s.Alignment);
        Assert.True(s.Score >= CopyThresholds.Default);
    }

    [Fact]
    public void Shifted_copy_is_found_at_its_shift()
    {
        var shifted = Transform(Source, (x, y) => (Math.Clamp(x + 3, 0, Size - 1), Math.Clamp(y - 2, 0, Size - 1)));
        var s = new CopyDetector(Source).Score(shifted);
        Assert.Equal("none, dx=3, dy=-2", s.Alignment);
        Assert.True(s.Ncc > 0.99, $"ncc {s.Ncc}");
        Assert.True(s.MaskIou > 0.95, $"iou {s.MaskIou}");
        Assert.True(s.Score >= CopyThresholds.Default, $"score {s.Score}");
    }

    [Fact]
    public void Flipped_copy_is_found_flipped()
    {
        var flipped = Transform(Source, (x, y) => (Size - 1 - x, y));
        var s = new CopyDetector(Source).Score(flipped);
        Assert.Equal("flip-h, dx=0, dy=0", s.Alignment);
        Assert.Equal(1, s.Ncc, 6);
        Assert.True(s.Score >= CopyThresholds.Default, $"score {s.Score}");
    }

    [Fact]
    public void Patch_collage_is_caught_by_the_patch_share_not_by_correlation()
    {
        // Swap the tiles of a 4×4 grid (16 px, a multiple of the 12 px patches' grid is not needed:
        // the search looks at every source position) in a fixed scrambled order.
        var p = CopyDetector.PatchSize(Size, Size);
        var tiles = Size / p;
        var order = Enumerable.Range(0, tiles * tiles).Select(i => (i * 7 + 3) % (tiles * tiles)).ToArray();
        var collage = Transform(Source, (x, y) =>
        {
            var (tx, ty) = (Math.Min(x / p, tiles - 1), Math.Min(y / p, tiles - 1));
            var t = order[ty * tiles + tx];
            var (sx, sy) = (t % tiles * p + x - tx * p, t / tiles * p + y - ty * p);
            return (Math.Clamp(sx, 0, Size - 1), Math.Clamp(sy, 0, Size - 1));
        });
        var s = new CopyDetector(Source).Score(collage);
        Assert.True(s.Ncc < 0.9, $"a collage is not a whole-image copy (ncc {s.Ncc})");
        Assert.True(s.PatchCopyShare > 0.9, $"patch share {s.PatchCopyShare}");
        Assert.True(s.Score >= CopyThresholds.Default, $"score {s.Score}");
    }

    [Fact]
    public void Unrelated_image_is_not_flagged()
    {
        var s = new CopyDetector(Source).Score(Other);
        Assert.True(s.Ncc < 0.8, $"ncc {s.Ncc}");
        Assert.True(s.PatchCopyShare < 0.2, $"patch share {s.PatchCopyShare}");
        Assert.True(s.Score < CopyThresholds.Default, $"score {s.Score}");
    }

    [Fact]
    public void Embedding_distance_is_zero_for_a_copy_and_larger_for_another_image()
    {
        using var embedder = new ResNetEmbedder(TorchSharp.torch.CPU);
        var a = embedder.Embed(Size, Size, Source.Rgb);
        Assert.Equal(0, ResNetEmbedder.Distance(a, embedder.Embed(Size, Size, Source.Rgb)), 5);
        var other = ResNetEmbedder.Distance(a, embedder.Embed(Size, Size, Other.Rgb));
        Assert.True(other > CopyThresholds.EmbeddingScale, $"distance to another real image {other}");
        var copy = new CopyScores(0, 0, 0, 0.0, "none");
        Assert.Equal(1, copy.Score, 6);
    }

    /// <summary>A new pair whose pixel (x, y) is the source's pixel at map(x, y).</summary>
    private static PairPixels Transform(PairPixels p, Func<int, int, (int X, int Y)> map)
    {
        var rgb = new byte[p.Rgb.Length];
        var mask = new byte[p.Mask.Length];
        for (var y = 0; y < p.Height; y++)
            for (var x = 0; x < p.Width; x++)
            {
                var (sx, sy) = map(x, y);
                var (d, s) = (y * p.Width + x, sy * p.Width + sx);
                rgb[3 * d] = p.Rgb[3 * s];
                rgb[3 * d + 1] = p.Rgb[3 * s + 1];
                rgb[3 * d + 2] = p.Rgb[3 * s + 2];
                mask[d] = p.Mask[s];
            }
        return new PairPixels(p.Height, p.Width, rgb, mask);
    }
}
