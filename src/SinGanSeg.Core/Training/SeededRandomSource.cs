using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Training;

/// <summary>
/// Draws from a private CPU generator (mt19937, as PyTorch's) and moves the result to the
/// target device, so a seed gives the same numbers on CPU and GPU and concurrent models in one
/// process never disturb each other's sequence. Its state can be saved with a checkpoint.
/// </summary>
public sealed class SeededRandomSource : IRandomSource, IDisposable
{
    private readonly Generator _generator;

    public SeededRandomSource(long seed)
    {
        Seed = seed;
        _generator = new Generator((ulong)seed, CPU);
    }

    public long Seed { get; }

    /// <summary>For weight initialisation, which draws in place.</summary>
    public Generator Generator => _generator;

    public Tensor Randn(long[] shape, Device device) => To(randn(shape, ScalarType.Float32, CPU, generator: _generator), device);

    public Tensor Rand(long[] shape, Device device) => To(rand(shape, ScalarType.Float32, CPU, generator: _generator), device);

    public byte[] GetState()
    {
        using var state = _generator.get_state();
        return state.bytes.ToArray();
    }

    public void SetState(byte[] state)
    {
        using var t = empty(state.Length, ScalarType.Byte);
        t.bytes = state;
        _generator.set_state(t);
    }

    public void Dispose() => _generator.Dispose();

    private static Tensor To(Tensor t, Device device)
    {
        if (device.type == DeviceType.CPU) return t;
        using (t) return t.to(device);
    }
}
