using SinGanSeg.Core.Segmentation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Segmentation;

[Collection(GlobalGeneratorCollection.Name)]
public sealed class MaskAgreementTests
{
    private static readonly MaskAgreementConfig Quick = new() { ImageSize = 32, Steps = 40, Widths = [16, 32], Augment = false, LearningRate = 3e-3 };

    [Fact]
    public void A_segmenter_trained_on_the_real_pairs_flags_masks_that_do_not_label_their_image()
    {
        var dir = TestData.NewTempDir("agreement");
        var real = Write(dir, "real", 16, seed: 1, swapMasks: false);
        var faithful = Write(dir, "faithful", 6, seed: 2, swapMasks: false);
        var mislabelled = Write(dir, "mislabelled", 6, seed: 3, swapMasks: true);   // each mask belongs to another image

        using var agreement = MaskAgreement.Train(real, Quick, CPU);
        Assert.True(agreement.RealDice > 0.8, $"real-pair Dice {agreement.RealDice:F3}");
        var good = agreement.Score(faithful);
        var bad = agreement.Score(mislabelled);
        Assert.Equal(faithful.Select(p => p.Name), good.Select(s => s.Name));
        Assert.True(good.Average(s => s.Dice) > 0.7, string.Join(", ", good.Select(s => $"{s.Dice:F2}")));
        Assert.True(bad.Average(s => s.Dice) < 0.3, string.Join(", ", bad.Select(s => $"{s.Dice:F2}")));
        Assert.True(bad.Average(s => s.Part) > good.Average(s => s.Part) + 0.5);
        Assert.All(good, s => Assert.InRange(s.MaskForeground, 0.01, 0.5));

        // Cached as a file and loaded elsewhere, it scores the same; other settings refuse the file.
        var file = Path.Combine(dir, "agreement.bin");
        agreement.Save(file);
        using (var loaded = MaskAgreement.Load(file, Quick, CPU))
        {
            Assert.Equal(agreement.RealDice, loaded.RealDice);
            Assert.Equal(bad.Select(s => s.Dice), loaded.Score(mislabelled).Select(s => s.Dice));
        }
        Assert.Contains("other settings", Assert.Throws<Imaging.InvalidInputException>(() => MaskAgreement.Load(file, Quick with { Steps = 41 }, CPU)).Message);
    }

    [Fact]
    public void The_quality_part_is_one_below_the_disagree_dice_and_zero_above_the_agree_dice()
    {
        var dir = TestData.NewTempDir("agreement-part");
        using var agreement = MaskAgreement.Train(Write(dir, "real", 2, seed: 5, swapMasks: false), Quick with { Steps = 1 }, CPU);
        Assert.Equal(1, agreement.Part(0.05));
        Assert.Equal(1, agreement.Part(0.1));
        Assert.Equal(0.5, agreement.Part(0.3), 9);
        Assert.Equal(0, agreement.Part(0.5));
        Assert.Equal(0, agreement.Part(0.9));
        Assert.Throws<ArgumentException>(() => (Quick with { DisagreeDice = 0.6 }).Validate());
    }

    [Fact]
    public void A_matching_mask_scores_high_and_a_shifted_inverted_or_empty_one_low()
    {
        // The gate's score is 1 - Dice; its default threshold 0.9 flags Dice <= 0.1.
        var dir = TestData.NewTempDir("agreement-cases");
        using var agreement = MaskAgreement.Train(Write(dir, "real", 16, seed: 11, swapMasks: false), Quick, CPU);
        Assert.Equal(0.9, new MaskAgreementConfig().GateThreshold, 9);
        double Mean(MaskChange change, int seed) =>
            agreement.Score(Write(dir, change.ToString(), 6, seed, swapMasks: false, change)).Average(s => s.Disagreement);
        var matching = Mean(MaskChange.None, 12);
        var shifted = Mean(MaskChange.Shift, 13);
        var inverted = Mean(MaskChange.Invert, 14);
        var empty = Mean(MaskChange.Empty, 15);
        var scores = $"matching {matching:F3}, shifted {shifted:F3}, inverted {inverted:F3}, empty {empty:F3}";
        Assert.True(matching < 0.3, scores);
        Assert.True(shifted > 0.7, scores);
        Assert.True(inverted > 0.7, scores);
        Assert.True(empty >= new MaskAgreementConfig().GateThreshold, scores);   // a clearly visible disc, no mask: flagged by default
    }

    [Fact]
    public void At_most_the_cap_of_real_pairs_is_picked_evenly_spread()
    {
        int[] ten = [.. Enumerable.Range(0, 10)];
        Assert.Equal(ten, MaskAgreement.Pick(ten, 50));
        Assert.Equal([0, 2, 4, 6, 8], MaskAgreement.Pick(ten, 5));
        Assert.Equal(50, MaskAgreement.Pick([.. Enumerable.Range(0, 200)], new MaskAgreementConfig().MaxRealPairs).Count);
    }

    private enum MaskChange { None, Shift, Invert, Empty }

    /// <summary>
    /// Disc images (as in <see cref="UNetTests"/>) written as PNG pairs; with swapMasks each image
    /// gets the next image's mask; a change moves its mask by half the image (wrapping), inverts it
    /// or empties it.
    /// </summary>
    private static List<SegmentationPair> Write(string dir, string prefix, int count, int seed, bool swapMasks, MaskChange change = MaskChange.None)
    {
        var (images, masks) = UNetTests.Discs(count, 32, seed);
        var pixels = images.data<float>().ToArray();
        var maskPixels = masks.data<float>().ToArray();
        const int size = 32, plane = size * size;
        var pairs = new List<SegmentationPair>();
        for (var n = 0; n < count; n++)
        {
            var m = swapMasks ? (n + 1) % count : n;
            var imagePath = Path.Combine(dir, $"{prefix}{n}.png");
            var maskPath = Path.Combine(dir, $"{prefix}{n}_mask.png");
            using (var image = new Image<Rgb24>(size, size))
            {
                for (var y = 0; y < size; y++)
                    for (var x = 0; x < size; x++)
                        image[x, y] = new Rgb24(Byte(pixels[(n * 3 + 0) * plane + y * size + x]), Byte(pixels[(n * 3 + 1) * plane + y * size + x]), Byte(pixels[(n * 3 + 2) * plane + y * size + x]));
                image.SaveAsPng(imagePath);
            }
            using (var mask = new Image<L8>(size, size))
            {
                for (var y = 0; y < size; y++)
                    for (var x = 0; x < size; x++)
                    {
                        var (sx, sy) = change == MaskChange.Shift ? ((x + size / 2) % size, (y + size / 2) % size) : (x, y);
                        var inside = maskPixels[m * plane + sy * size + sx] > 0.5f;
                        if (change == MaskChange.Invert) inside = !inside;
                        if (change == MaskChange.Empty) inside = false;
                        mask[x, y] = new L8(inside ? (byte)255 : (byte)0);
                    }
                mask.SaveAsPng(maskPath);
            }
            pairs.Add(new SegmentationPair($"{prefix}{n}", imagePath, maskPath));
        }
        images.Dispose();
        masks.Dispose();
        return pairs;
    }

    private static byte Byte(float v) => (byte)Math.Clamp(Math.Round(v * 255), 0, 255);
}
