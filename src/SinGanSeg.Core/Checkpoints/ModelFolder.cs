using SinGanSeg.Core.Execution;
using TorchSharp;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.IO;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Checkpoints;

/// <summary>
/// A native model folder:
/// <code>
/// manifest.json        what, how, and which scales are finished
/// input.png            the training input as RGBA (mask in alpha), the reference's format
/// scales/N/netG.pth    generator state dict (PyTorch format)
/// scales/N/netD.pth    discriminator state dict
/// scales/N/z_opt.pth   reconstruction noise and the random generator's state after the scale
/// scales/N/*.png       previews: G(z_opt) and the last fake, as the reference saves them
/// </code>
/// A scale is written to a temporary folder, renamed into place, then listed in the manifest;
/// anything not listed is a leftover of a killed run and is removed on resume.
/// </summary>
public sealed class ModelFolder(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string ManifestPath => System.IO.Path.Combine(Path, "manifest.json");
    public string InputPath => System.IO.Path.Combine(Path, "input.png");
    public string ScalePath(int index) => System.IO.Path.Combine(Path, "scales", index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static bool IsModelFolder(string path) => File.Exists(System.IO.Path.Combine(path, "manifest.json"));

    public ModelManifest? TryReadManifest()
    {
        if (!File.Exists(ManifestPath)) return null;
        var manifest = ModelManifest.FromJson(File.ReadAllText(ManifestPath), ManifestPath);
        if (manifest.FormatVersion > ModelManifest.CurrentFormatVersion)
            throw new InvalidDataException($"{ManifestPath}: format version {manifest.FormatVersion} is newer than this program understands ({ModelManifest.CurrentFormatVersion}); upgrade singanseg.");
        return manifest;
    }

    public ModelManifest ReadManifest() =>
        TryReadManifest() ?? throw new FileNotFoundException($"{Path}: not a model folder (no manifest.json)", ManifestPath);

    public void WriteManifest(ModelManifest manifest) => AtomicFile.WriteAllText(ManifestPath, manifest.ToJson());

    public void WriteInput(ImagePair input)
    {
        using var image = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.Rgba32>(input.Rgbm, input.Width, input.Height);
        AtomicFile.Write(InputPath, s => SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, s));
    }

    /// <summary>Removes scale folders the manifest does not list (a run killed between writing a scale and recording it).</summary>
    public void RemoveUnlisted(ModelManifest manifest)
    {
        var scales = System.IO.Path.Combine(Path, "scales");
        if (!Directory.Exists(scales)) return;
        var listed = manifest.Scales.Select(s => s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        foreach (var dir in Directory.GetDirectories(scales))
            if (!listed.Contains(System.IO.Path.GetFileName(dir)))
                Directory.Delete(dir, recursive: true);
    }

    public ModelManifest SaveScale(ModelManifest manifest, ScaleRecord record, SinGanGenerator g, SinGanDiscriminator d,
        Tensor reconstructionNoise, byte[] randomState, Tensor? preview, Tensor? lastFake)
    {
        var final = ScalePath(record.Index);
        var staging = $"{final}.partial-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        StateDictFile.Save(System.IO.Path.Combine(staging, "netG.pth"), g.state_dict());
        StateDictFile.Save(System.IO.Path.Combine(staging, "netD.pth"), d.state_dict());
        using (var state = tensor(randomState, [randomState.Length], ScalarType.Byte))
            StateDictFile.Save(System.IO.Path.Combine(staging, "z_opt.pth"), new Dictionary<string, Tensor> { ["z_opt"] = reconstructionNoise, ["rng_state"] = state });
        if (preview is not null) WritePreview(System.IO.Path.Combine(staging, "G(z_opt).png"), preview);
        if (lastFake is not null) WritePreview(System.IO.Path.Combine(staging, "fake_sample.png"), lastFake);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(staging, final);
        var updated = manifest with
        {
            Scales = [.. manifest.Scales.Where(s => s.Index != record.Index), record],
            UpdatedAt = record.FinishedAt,
        };
        WriteManifest(updated);
        return updated;
    }

    /// <summary>Loads finished scale <paramref name="index"/>: generator, discriminator, reconstruction noise, random state.</summary>
    public (SinGanGenerator G, SinGanDiscriminator D, Tensor ReconstructionNoise, byte[] RandomState) LoadScale(ModelManifest manifest, int index, Device device)
    {
        var dir = ScalePath(index);
        var shape = ShapeOf(manifest, index);
        var (g, d) = GlobalRandom.Draw(() => (new SinGanGenerator(shape), new SinGanDiscriminator(shape)));
        g.to(device);
        d.to(device);
        StateDictFile.LoadInto(g, System.IO.Path.Combine(dir, "netG.pth"), device);
        StateDictFile.LoadInto(d, System.IO.Path.Combine(dir, "netD.pth"), device);
        var extra = StateDictFile.Load(System.IO.Path.Combine(dir, "z_opt.pth"));
        try
        {
            Tensor z;
            using (NewDisposeScope()) z = extra["z_opt"].to(ScalarType.Float32).to(device).MoveToOuterDisposeScope();
            var state = extra["rng_state"].bytes.ToArray();
            return (g, d, z, state);
        }
        finally
        {
            foreach (var t in extra.Values) t.Dispose();
        }
    }

    /// <summary>The finished model, ready for sampling.</summary>
    public SinGanModel LoadModel(Device device)
    {
        var manifest = ReadManifest();
        if (!manifest.Complete)
            throw new InvalidInputException(Path, $"model is not finished ({manifest.Scales.Count} of {manifest.Geometry.ScaleCount} scales)", "resume training first (the same train command again)");
        var generators = new List<SinGanGenerator>();
        var noise = new List<Tensor>();
        foreach (var s in manifest.Scales.OrderBy(s => s.Index))
        {
            var (g, d, z, _) = LoadScale(manifest, s.Index, device);
            d.Dispose();
            generators.Add(g);
            noise.Add(z);
        }
        return new SinGanModel(manifest.ModelId, generators, noise, [.. manifest.Scales.OrderBy(s => s.Index).Select(s => s.NoiseAmp)],
            manifest.Geometry.Levels, manifest.Geometry.ScaleFactor, device);
    }

    public static NetworkShape ShapeOf(ModelManifest manifest, int index)
    {
        var c = manifest.Config;
        return NetworkShape.ForScale(index, c.Channels, c.BaseWidth, c.BaseMinWidth, c.Layers, c.KernelSize);
    }

    private static void WritePreview(string path, Tensor image)
    {
        var (rgb, _) = TensorImage.ToPixels(image)[0];
        SampleImageWriter.WriteRgb(path, (int)image.shape[2], (int)image.shape[3], rgb);
    }
}
