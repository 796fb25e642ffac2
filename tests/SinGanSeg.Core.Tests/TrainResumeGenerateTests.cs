using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Generation;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>End to end on a real Kvasir-SEG pair with the tiny preset: train, interrupt, resume, generate.</summary>
public class TrainResumeGenerateTests
{
    private const string Pair = "cju0s2a9ekvms080138tjjpxr";
    private static readonly SinGanConfig Tiny = Presets.Tiny;

    private static ImagePair Input() => ImagePairLoader.Default.LoadPair(TestData.PolypImage(Pair), TestData.PolypMask(Pair));

    [Fact]
    public void Interrupted_training_resumes_from_the_last_finished_scale_and_ends_where_an_uninterrupted_run_does()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var input = Input();
        var interrupted = TestData.NewTempDir("interrupted");
        using var cancel = new CancellationTokenSource();
        var progress = new List<TrainingProgress>();
        var first = new SinGanTrainer(CPU)
        {
            ProgressInterval = TimeSpan.Zero,
            Progress = p =>
            {
                progress.Add(p);
                if (p.Scale == 1 && p.Iteration == 3) cancel.Cancel();
            },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => first.Train(new TrainingRequest(input, Tiny, 7, interrupted), cancel.Token));
        var afterKill = new ModelFolder(interrupted).ReadManifest();
        Assert.Equal([0], afterKill.Scales.Select(s => s.Index));
        Assert.Contains(progress, p => p.Scale == 0 && p.Iteration == Tiny.Iterations);
        var scale0 = File.ReadAllBytes(Path.Combine(interrupted, "scales", "0", "netG.pth"));

        // A torn scale from a killed run: present on disk, not in the manifest.
        Directory.CreateDirectory(Path.Combine(interrupted, "scales", "1"));
        File.WriteAllText(Path.Combine(interrupted, "scales", "1", "netG.pth"), "torn");
        Directory.CreateDirectory(Path.Combine(interrupted, "scales", "2.partial-0123"));

        var resumedScales = new List<int>();
        var resumed = new SinGanTrainer(CPU) { ScaleFinished = r => resumedScales.Add(r.Index) }.Train(new TrainingRequest(input, Tiny, 7, interrupted));
        Assert.True(resumed.Complete);
        Assert.Equal([1, 2], resumedScales);
        Assert.Equal(scale0, File.ReadAllBytes(Path.Combine(interrupted, "scales", "0", "netG.pth")));
        Assert.False(Directory.Exists(Path.Combine(interrupted, "scales", "2.partial-0123")));

        var straight = TestData.NewTempDir("straight");
        var uninterrupted = new SinGanTrainer(CPU).Train(new TrainingRequest(input, Tiny, 7, straight));
        Assert.Equal(uninterrupted.Scales.Select(s => s.NoiseAmp), resumed.Scales.Select(s => s.NoiseAmp));
        var last = resumed.Geometry.ScaleCount - 1;
        var a = StateDictFile.Load(Path.Combine(interrupted, "scales", $"{last}", "netG.pth"));
        var b = StateDictFile.Load(Path.Combine(straight, "scales", $"{last}", "netG.pth"));
        foreach (var (name, t) in a)
            Assert.True((t.to(ScalarType.Float64) - b[name].to(ScalarType.Float64)).abs().max().item<double>() < 1e-6, $"{name} differs after resume");

        // Training again on a finished folder does nothing.
        var again = new SinGanTrainer(CPU) { ScaleFinished = _ => Assert.Fail("retrained a finished scale") }.Train(new TrainingRequest(input, Tiny, 7, interrupted));
        Assert.True(again.Complete);
    }

    [Fact]
    public void A_folder_holding_another_model_is_not_overwritten()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("other");
        new SinGanTrainer(CPU).Train(new TrainingRequest(Input(), Tiny with { Iterations = 1 }, 1, dir));
        var e = Assert.Throws<InvalidOperationException>(() => new SinGanTrainer(CPU).Train(new TrainingRequest(Input(), Tiny with { Iterations = 1 }, 2, dir)));
        Assert.Contains("already holds a model", e.Message);
    }

    [Fact]
    public void Trained_model_generates_binary_masks_the_size_of_their_images()
    {
        // Keeps every temporary referenced until the end: see TensorImage.ToTensor.
        using var scope = NewDisposeScope();
        var dir = TestData.NewTempDir("generate");
        var manifest = new SinGanTrainer(CPU).Train(new TrainingRequest(Input(), Tiny, 3, Path.Combine(dir, "model"), "polyp-a"));
        Assert.True(File.Exists(Path.Combine(dir, "model", "input.png")));
        Assert.True(File.Exists(Path.Combine(dir, "model", "scales", "0", "G(z_opt).png")));
        using var model = new ModelFolder(Path.Combine(dir, "model")).LoadModel(CPU);
        var samples = new SampleGenerator(model) { BatchSize = 3 }.Generate(5, 11, Path.Combine(dir, "out"));
        Assert.Equal(5, samples.Count);
        var size = manifest.Geometry.Levels[^1];
        foreach (var s in samples)
        {
            Assert.Equal(SampleGenerator.SampleName("polyp-a", 11, s.Index) + ".png", Path.GetFileName(s.ImagePath));
            Assert.Equal(Path.GetFileName(s.ImagePath), Path.GetFileName(s.MaskPath));
            using var image = Image.Load<Rgb24>(s.ImagePath);
            using var mask = Image.Load<L8>(s.MaskPath);
            Assert.Equal((size.Width, size.Height), (image.Width, image.Height));
            Assert.Equal((image.Width, image.Height), (mask.Width, mask.Height));
            var values = new HashSet<byte>();
            mask.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++) foreach (var p in rows.GetRowSpan(y)) values.Add(p.PackedValue);
            });
            Assert.Subset(new HashSet<byte> { 0, 255 }, values);
        }
        // The same seed gives the same bytes; an interrupted run regenerates only what is missing.
        var sample4 = File.ReadAllBytes(samples[4].ImagePath);
        var written2 = File.GetLastWriteTimeUtc(samples[2].ImagePath);
        File.Delete(samples[4].ImagePath);
        var again = new SampleGenerator(model) { BatchSize = 3 }.Generate(5, 11, Path.Combine(dir, "out"));
        Assert.Equal(sample4, File.ReadAllBytes(again[4].ImagePath));
        Assert.Equal(written2, File.GetLastWriteTimeUtc(again[2].ImagePath));
        var fresh = new SampleGenerator(model) { BatchSize = 3 }.Generate(4, 11, Path.Combine(dir, "fresh"));
        for (var i = 0; i < 4; i++)
            Assert.Equal(File.ReadAllBytes(samples[i].ImagePath), File.ReadAllBytes(fresh[i].ImagePath));
    }
}
