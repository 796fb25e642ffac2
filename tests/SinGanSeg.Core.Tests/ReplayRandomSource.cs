using SinGanSeg.Core.Training;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>Hands out a reference trace's recorded draws in order, checking each request's kind and shape.</summary>
public sealed class ReplayRandomSource(IReadOnlyDictionary<string, Tensor> trace) : IRandomSource
{
    private readonly List<(string Kind, Tensor Value)> _draws = trace
        .Where(kv => kv.Key.StartsWith("draw_", StringComparison.Ordinal))
        .OrderBy(kv => kv.Key, StringComparer.Ordinal)
        .Select(kv => (kv.Key.EndsWith("_randn", StringComparison.Ordinal) ? "randn" : "rand", kv.Value))
        .ToList();

    public int Used { get; private set; }

    /// <summary>Skips draws, to replay from the middle of a trace.</summary>
    public ReplayRandomSource From(int index)
    {
        Used = index;
        return this;
    }
    public int Count => _draws.Count;

    public Tensor Randn(long[] shape, Device device) => Next("randn", shape, device);
    public Tensor Rand(long[] shape, Device device) => Next("rand", shape, device);

    private Tensor Next(string kind, long[] shape, Device device)
    {
        Assert.True(Used < _draws.Count, $"draw {Used} ({kind} [{string.Join(",", shape)}]) requested but the trace has only {_draws.Count}");
        var (k, v) = _draws[Used];
        Assert.True(k == kind && v.shape.SequenceEqual(shape),
            $"draw {Used}: requested {kind} [{string.Join(",", shape)}], the reference drew {k} [{string.Join(",", v.shape)}]");
        Used++;
        return v.clone().to(device);
    }
}
