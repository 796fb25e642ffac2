using System.Globalization;
using SinGanSeg.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

public class ImageLoadingTests
{
    private static readonly string Id = TestData.ReferencePair;

    [Fact]
    public void Loads_a_real_jpeg_pair_with_a_binarised_mask()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var pair = ImagePairLoader.Default.LoadPair(TestData.PolypImage(Id), TestData.PolypMask(Id));
        var row = File.ReadLines(Path.Combine(TestData.Polyps, "MANIFEST.tsv")).Select(l => l.Split('\t')).First(f => f[0].StartsWith(Id, StringComparison.Ordinal));
        Assert.Equal(int.Parse(row[1], CultureInfo.InvariantCulture), pair.Width);
        Assert.Equal(int.Parse(row[2], CultureInfo.InvariantCulture), pair.Height);
        Assert.Equal(double.Parse(row[3], CultureInfo.InvariantCulture), pair.ForegroundFraction, 3);
        Assert.All(Enumerable.Range(0, pair.Height * pair.Width), i => Assert.True(pair.Rgbm[i * 4 + 3] is 0 or 255));
    }

    [Fact]
    public void The_reference_rgba_input_matches_the_jpeg_pair_it_was_made_from()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var rgba = ImagePairLoader.Default.LoadRgba(TestData.ReferenceFile("input_rgba.png"));
        var pair = ImagePairLoader.Default.LoadPair(TestData.PolypImage(Id), TestData.PolypMask(Id));
        Assert.Equal((pair.Height, pair.Width), (rgba.Height, rgba.Width));
        var maskDiffers = Enumerable.Range(0, pair.Height * pair.Width).Count(i => pair.Rgbm[i * 4 + 3] != rgba.Rgbm[i * 4 + 3]);
        Assert.True(maskDiffers == 0, $"{maskDiffers} mask pixels differ");
    }

    [Fact]
    public void Tensor_is_the_references_normalised_rgb_plus_mask()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var pair = new ImagePair("t", 1, 2, [0, 128, 255, 255, 10, 20, 30, 0]);
        using var t = TensorImage.ToTensor(pair, CPU);
        Assert.Equal(new long[] { 1, 4, 1, 2 }, t.shape);
        Assert.Equal(-1f, t[0, 0, 0, 0].item<float>());
        Assert.Equal(((float)(128 / 255.0) - 0.5f) * 2, t[0, 1, 0, 0].item<float>());
        Assert.Equal(1f, t[0, 3, 0, 0].item<float>());
        Assert.Equal(-1f, t[0, 3, 0, 1].item<float>());
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var missing = Path.Combine(TestData.NewTempDir("missing"), "nope.jpg");
        var e = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.LoadPair(missing, TestData.PolypMask(Id)));
        Assert.Equal(missing, e.Item);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Corrupt_jpeg_is_rejected_with_its_name()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("corrupt");
        var bytes = File.ReadAllBytes(TestData.PolypImage(Id));
        var corrupt = Path.Combine(dir, "corrupt.jpg");
        File.WriteAllBytes(corrupt, bytes.AsSpan(0, 600).ToArray());
        var e = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.LoadPair(corrupt, TestData.PolypMask(Id)));
        Assert.Equal(corrupt, e.Item);
        var garbage = Path.Combine(dir, "garbage.png");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37)).ToArray());
        var g = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.Identify(garbage));
        Assert.Contains("not a PNG or JPEG", g.Message);
    }

    [Fact]
    public void A_jpeg_cut_off_mid_scan_is_refused_although_the_decoder_would_grey_fill_it()
    {
        using var scope = NewDisposeScope();
        var bytes = File.ReadAllBytes(TestData.PolypImage(Id));
        var cut = Path.Combine(TestData.NewTempDir("cut"), "cut.jpg");
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length * 6 / 10).ToArray());
        using (var decoded = SixLabors.ImageSharp.Image.Load(cut)) Assert.Equal(621, decoded.Width); // ImageSharp itself accepts it
        var e = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.LoadPair(cut, TestData.PolypMask(Id)));
        Assert.Equal(cut, e.Item);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Every_shared_pair_loads()
    {
        var names = Directory.GetFiles(Path.Combine(TestData.Polyps, "images"), "*.jpg").Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.Equal(200, names.Count);
        foreach (var name in names)
        {
            var pair = ImagePairLoader.Default.LoadPair(TestData.PolypImage(name!), TestData.PolypMask(name!));
            Assert.True(pair.ForegroundFraction > 0, name);
        }
    }

    [Fact]
    public void Other_formats_are_refused_even_when_imagesharp_could_read_them()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var bmp = Path.Combine(TestData.NewTempDir("bmp"), "image.jpg");
        using (var image = new Image<Rgb24>(40, 40)) image.SaveAsBmp(bmp);
        var e = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.Identify(bmp));
        Assert.Contains("not a PNG or JPEG", e.Message);
    }

    [Fact]
    public void Size_mismatch_names_the_mask_and_both_sizes()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("mismatch");
        var mask = Path.Combine(dir, "mask.png");
        using (var image = new Image<L8>(100, 80, new L8(255))) image.SaveAsPng(mask);
        var e = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.LoadPair(TestData.PolypImage(Id), mask));
        Assert.Equal(mask, e.Item);
        Assert.Contains("100x80", e.Message);
        Assert.Contains("621x530", e.Message);
    }

    [Fact]
    public void Empty_mask_is_refused_unless_allowed()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("empty");
        var (image, mask) = (Path.Combine(dir, "i.png"), Path.Combine(dir, "m.png"));
        using (var img = new Image<Rgb24>(60, 50, new Rgb24(90, 40, 30))) img.SaveAsPng(image);
        using (var msk = new Image<L8>(60, 50, new L8(100))) msk.SaveAsPng(mask);
        var e = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.LoadPair(image, mask));
        Assert.Contains("mask is empty", e.Message);
        var allowed = new ImagePairLoader(new ImageLimits { AllowEmptyMask = true }).LoadPair(image, mask);
        Assert.Equal(0, allowed.ForegroundFraction);
    }

    [Fact]
    public void Oversized_images_are_refused_from_the_header_without_decoding()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        // A PNG that claims 30000×30000 pixels (3.6 GB decoded) in 100 bytes: refused at Identify.
        var path = Path.Combine(TestData.NewTempDir("huge"), "huge.png");
        File.WriteAllBytes(path, PngHeaderOnly(30000, 30000));
        var e = Assert.Throws<InvalidInputException>(() => ImagePairLoader.Default.LoadPair(path, path));
        Assert.Contains("30000x30000", e.Message);
        Assert.Contains("limit", e.Message);
        var small = new ImagePairLoader(new ImageLimits { MaxWidth = 300, MaxHeight = 300 });
        Assert.Throws<InvalidInputException>(() => small.LoadPair(TestData.PolypImage(Id), TestData.PolypMask(Id)));
    }

    private static byte[] PngHeaderOnly(int width, int height)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        WriteChunk(ms, "IHDR", ihdr);
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        var crc = Crc32([.. typeBytes, .. data]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(len, crc);
        s.Write(len);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void Written_samples_are_an_rgb_png_and_a_0_255_grayscale_mask()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("write");
        using var batch = rand([2, 4, 30, 40]).mul(2).sub(1);
        var pixels = TensorImage.ToPixels(batch);
        SampleImageWriter.WriteRgb(Path.Combine(dir, "a.png"), 30, 40, pixels[1].Rgb);
        SampleImageWriter.WriteMask(Path.Combine(dir, "m.png"), 30, 40, pixels[1].Mask);
        using var rgb = Image.Load<Rgb24>(Path.Combine(dir, "a.png"));
        using var mask = Image.Load(Path.Combine(dir, "m.png"));
        Assert.Equal((40, 30), (rgb.Width, rgb.Height));
        Assert.Equal((40, 30), (mask.Width, mask.Height));
        Assert.Equal(8, mask.PixelType.BitsPerPixel);
        var expected = (int)(255 * ((batch[1, 0, 0, 0].item<float>() + 1) / 2));
        Assert.Equal(expected, rgb[0, 0].R);
        Assert.All(pixels[1].Mask, b => Assert.True(b is 0 or 255));
        var fg = batch[1, 3].gt(0).sum().item<long>();
        Assert.Equal(fg, pixels[1].Mask.Count(b => b == 255));
    }
}
