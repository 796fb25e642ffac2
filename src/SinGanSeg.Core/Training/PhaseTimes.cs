using System.Diagnostics;

namespace SinGanSeg.Core.Training;

/// <summary>Wall time per phase of an iteration, for finding where training time goes (the bench prints it).</summary>
public sealed class PhaseTimes
{
    private readonly Dictionary<string, TimeSpan> _totals = new(StringComparer.Ordinal);
    private readonly Stopwatch _watch = new();
    private string? _current;

    public IReadOnlyDictionary<string, TimeSpan> Totals => _totals;

    /// <summary>Ends the running phase (if any) and starts <paramref name="phase"/>.</summary>
    public void Enter(string phase)
    {
        Stop();
        _current = phase;
        _watch.Restart();
    }

    public void Stop()
    {
        if (_current is null) return;
        _totals[_current] = _totals.GetValueOrDefault(_current) + _watch.Elapsed;
        _current = null;
    }

    public void Add(PhaseTimes other)
    {
        foreach (var (k, v) in other._totals) _totals[k] = _totals.GetValueOrDefault(k) + v;
    }
}
