using System.Collections.Concurrent;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// Counts the live-event streams each client address holds open; past Limits:MaxEventStreamsPerClient
/// a new one is refused (429) instead of adding another grain poll every second.
/// </summary>
public sealed class EventStreamLimiter(JobLimits limits)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>A lease to dispose when the stream ends, or null when the client already holds the limit.</summary>
    public IDisposable? TryOpen(HttpContext http)
    {
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var count = _open.AddOrUpdate(client, 1, (_, n) => n + 1);
        if (count <= limits.MaxEventStreamsPerClient) return new Lease(this, client);
        Release(client);
        return null;
    }

    private void Release(string client)
    {
        if (_open.AddOrUpdate(client, 0, (_, n) => n - 1) <= 0) _open.TryRemove(new KeyValuePair<string, int>(client, 0));
    }

    private sealed class Lease(EventStreamLimiter owner, string client) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Release(client);
        }
    }
}
