using SinGanSeg.Core.Pyramid;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Model;

/// <summary>
/// A trained multi-scale model as sampling needs it: per scale the frozen generator, its
/// reconstruction noise map (padded) and noise amplitude, plus each level's size and the
/// pyramid's scale factor. Native checkpoints and published SinGAN-Seg folders both load into this.
/// </summary>
public sealed class SinGanModel : IDisposable
{
    public SinGanModel(string id, IReadOnlyList<SinGanGenerator> generators, IReadOnlyList<Tensor> reconstructionNoise,
        IReadOnlyList<float> noiseAmps, IReadOnlyList<LevelSize> levels, double scaleFactor, Device device)
    {
        if (generators.Count == 0) throw new ArgumentException("a model needs at least one scale");
        if (reconstructionNoise.Count != generators.Count || noiseAmps.Count != generators.Count || levels.Count != generators.Count)
            throw new ArgumentException($"inconsistent model: {generators.Count} generators, {reconstructionNoise.Count} noise maps, {noiseAmps.Count} amplitudes, {levels.Count} levels");
        Id = id;
        Generators = generators;
        ReconstructionNoise = reconstructionNoise;
        NoiseAmps = noiseAmps;
        Levels = levels;
        ScaleFactor = scaleFactor;
        Device = device;
        foreach (var g in generators)
        {
            g.eval();
            foreach (var p in g.parameters()) p.requires_grad_(false);
        }
    }

    public string Id { get; }
    public IReadOnlyList<SinGanGenerator> Generators { get; }
    public IReadOnlyList<Tensor> ReconstructionNoise { get; }
    public IReadOnlyList<float> NoiseAmps { get; }
    public IReadOnlyList<LevelSize> Levels { get; }
    public double ScaleFactor { get; }
    public Device Device { get; }
    public int ScaleCount => Generators.Count;
    public int Channels => Generators[0].Shape.Channels;
    public LevelSize OutputSize => Levels[^1];

    /// <summary>The same model under another id; the networks move to the new instance (dispose only that one).</summary>
    public SinGanModel WithId(string id) => new(id, Generators, ReconstructionNoise, NoiseAmps, Levels, ScaleFactor, Device);

    public void Dispose()
    {
        foreach (var g in Generators) g.Dispose();
        foreach (var z in ReconstructionNoise) z.Dispose();
    }
}
