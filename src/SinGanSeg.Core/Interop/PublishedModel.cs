using SinGanSeg.Core.Execution;
using TorchSharp;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Pyramid;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Interop;

/// <summary>
/// Reads a model in the published SinGAN-Seg format (the 1000 released polyp models): Gs.pth, a
/// pickled list of whole generator modules; Zs.pth, a list of noise maps (bool zeros above the
/// coarsest scale); NoiseAmp.pth, a list mixing a plain 1 with 0-dim tensors; reals.pth, the
/// pyramid (non-contiguous tensors). No Python is involved: the pickles are interpreted here.
/// </summary>
public static class PublishedModel
{
    public static readonly string[] Files = ["Gs.pth", "Zs.pth", "reals.pth", "NoiseAmp.pth"];

    /// <summary>The released models were trained with min_size 25; the scale factor follows from it.</summary>
    public const int ReleasedMinSize = 25;

    public static bool IsPublishedFolder(string path) => Files.All(f => File.Exists(Path.Combine(path, f)));

    public static SinGanModel Load(string folder, Device device, string? id = null, int minSize = ReleasedMinSize)
    {
        var missing = Files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"{folder}: not a SinGAN-Seg model folder (missing {string.Join(", ", missing)})");
        var gs = AsList(TorchArchive.Load(Path.Combine(folder, "Gs.pth")), "Gs.pth");
        var zs = AsList(TorchArchive.Load(Path.Combine(folder, "Zs.pth")), "Zs.pth");
        var reals = AsList(TorchArchive.Load(Path.Combine(folder, "reals.pth")), "reals.pth");
        var amps = AsList(TorchArchive.Load(Path.Combine(folder, "NoiseAmp.pth")), "NoiseAmp.pth");
        var generators = new List<SinGanGenerator>();
        var noise = new List<Tensor>();
        try
        {
            if (new[] { zs.Count, reals.Count, amps.Count }.Any(c => c != gs.Count))
                throw new InvalidDataException($"{folder}: {gs.Count} generators but {zs.Count} noise maps, {reals.Count} pyramid levels and {amps.Count} amplitudes");
            var levels = reals.Select((r, i) => r is Tensor { shape.Length: 4 } t
                ? new LevelSize((int)t.shape[2], (int)t.shape[3])
                : throw new InvalidDataException($"{folder}/reals.pth: level {i} is not an image tensor")).ToList();
            for (var i = 0; i < gs.Count; i++)
            {
                if (gs[i] is not PyObject module)
                    throw new InvalidDataException($"{folder}/Gs.pth: entry {i} is {TorchArchive.Describe(gs[i])}, not a generator module");
                var state = PickledModule.StateDict(module);
                var shape = InferShape(state, $"{folder}/Gs.pth[{i}]");
                var g = GlobalRandom.Draw(() => new SinGanGenerator(shape));
                g.to(device);
                generators.Add(g);
                StateDictFile.LoadInto(g, state, device, $"{folder}/Gs.pth[{i}]");
                noise.Add(zs[i] is Tensor z
                    ? ToFloat(z, device)
                    : throw new InvalidDataException($"{folder}/Zs.pth: entry {i} is {TorchArchive.Describe(zs[i])}"));
            }
            var noiseAmps = amps.Select((a, i) => a switch
            {
                long l => (float)l,
                double d => (float)d,
                Tensor t => Value(t),
                _ => throw new InvalidDataException($"{folder}/NoiseAmp.pth: entry {i} is {TorchArchive.Describe(a)}"),
            }).ToList();
            // The reference recomputes the factor from the training image; the finest level is
            // that image resized, so the same formula applies to it.
            var finest = levels[^1];
            var scaleFactor = Math.Pow((double)minSize / Math.Min(finest.Height, finest.Width), 1.0 / Math.Max(1, levels.Count - 1));
            return new SinGanModel(id ?? Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/')), generators, noise, noiseAmps, levels, scaleFactor, device);
        }
        catch
        {
            foreach (var g in generators) g.Dispose();
            foreach (var z in noise) z.Dispose();
            throw;
        }
        finally
        {
            TorchArchive.DisposeTensors(gs);
            TorchArchive.DisposeTensors(zs);
            TorchArchive.DisposeTensors(reals);
            TorchArchive.DisposeTensors(amps);
        }
    }

    /// <summary>Width, channels and depth from the weights themselves (head.conv.weight is [width, channels, k, k]).</summary>
    private static NetworkShape InferShape(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        if (!state.TryGetValue("head.conv.weight", out var head) || head.shape.Length != 4)
            throw new InvalidDataException($"{source}: no head.conv.weight; not a SinGAN generator");
        var blocks = state.Keys.Count(k => k.StartsWith("body.block", StringComparison.Ordinal) && k.EndsWith(".conv.weight", StringComparison.Ordinal));
        var width = (int)head.shape[0];
        var minWidth = state.TryGetValue($"body.block{blocks}.conv.weight", out var last) ? (int)last.shape[0] : width;
        return new NetworkShape((int)head.shape[1], width, minWidth, blocks + 2, (int)head.shape[2]);
    }

    private static float Value(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.to(ScalarType.Float32).item<float>();
    }

    private static Tensor ToFloat(Tensor t, Device device)
    {
        using var scope = NewDisposeScope();
        return t.to(ScalarType.Float32).to(device).MoveToOuterDisposeScope();
    }

    private static List<object?> AsList(object? value, string file) =>
        value as List<object?> ?? throw new InvalidDataException($"{file}: expected a pickled list, found {TorchArchive.Describe(value)}");
}
