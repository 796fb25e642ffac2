using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// The latest progress of a running image, written by the training thread and read by the grain's
/// timer, which forwards it to the job and persists finished scales. A lock keeps it consistent.
/// </summary>
public sealed class ProgressBox(ImageProgress initial)
{
    private readonly Lock _lock = new();
    private ImageProgress _current = initial;

    public ImageProgress Current
    {
        get { lock (_lock) return _current; }
    }

    /// <summary>Raised on the updating thread after each change, for observers that must not miss a step.</summary>
    public event Action<ImageProgress>? Changed;

    public void Update(Func<ImageProgress, ImageProgress> change)
    {
        ImageProgress now;
        lock (_lock) now = _current = change(_current) with { UpdatedAt = DateTimeOffset.UtcNow };
        Changed?.Invoke(now);
    }
}
