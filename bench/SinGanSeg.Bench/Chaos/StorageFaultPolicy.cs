using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace SinGanSeg.Bench.Chaos;

/// <summary>The transient storage faults the policy injects.</summary>
public enum StorageFaultKind
{
    /// <summary>The store answers 503 Server Busy without doing anything (the SDK retries).</summary>
    Unavailable,

    /// <summary>The request hangs, then fails as a client-side timeout (before reaching the store).</summary>
    Timeout,

    /// <summary>The connection is reset before the request is sent.</summary>
    Reset,

    /// <summary>The request reaches the store and succeeds, then its answer is lost (a reset on the way back).</summary>
    LostAck,
}

public sealed record StorageFault(DateTimeOffset At, StorageFaultKind Kind, string Method, string Target);

/// <summary>A store-accepted write (2xx, whatever the client saw afterwards), in arrival order.</summary>
public sealed record AcceptedWrite(long Sequence, DateTimeOffset At, string Path);

/// <summary>
/// Test/bench only: an Azure SDK pipeline policy (registered per silo as an
/// <c>AzureClientPolicy</c>, so it runs inside every table and blob client, after the SDK's retry
/// policy — each retry is a new draw) that fails a seeded share of requests the way a real store
/// fails, within a budget per kind; and the wire-level witness the chaos harness checks against:
/// every blob write the store accepted.
/// </summary>
public sealed class StorageFaultPolicy(int seed, double share, int budgetPerKind, TimeSpan timeoutDelay) : HttpPipelinePolicy
{
    private readonly Random _random = new(seed);
    private readonly Lock _lock = new();
    // [kind, surface]: surface 0 = tables (grain state, reminders), 1 = blobs (artifacts); the
    // budget of a kind is split between them so faults hit both, whatever dominates the traffic.
    private readonly int[,] _injected = new int[Enum.GetValues<StorageFaultKind>().Length, 2];
    private long _sequence;

    /// <summary>Faults are injected only while armed.</summary>
    public volatile bool Armed;

    public ConcurrentQueue<StorageFault> Faults { get; } = new();
    public ConcurrentQueue<AcceptedWrite> AcceptedWrites { get; } = new();

    public int Injected(StorageFaultKind kind)
    {
        lock (_lock) return _injected[(int)kind, 0] + _injected[(int)kind, 1];
    }

    public bool Exhausted
    {
        get
        {
            lock (_lock) return Enum.GetValues<StorageFaultKind>().All(k => _injected[(int)k, 0] >= Budget(0) && _injected[(int)k, 1] >= Budget(1));
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var fault = Draw(Surface(message));
        if (fault is { } kind) Faults.Enqueue(new StorageFault(DateTimeOffset.UtcNow, kind, message.Request.Method.ToString(), Target(message)));
        switch (fault)
        {
            case StorageFaultKind.Unavailable:
                message.Response = new FaultResponse(503, "Server Busy (injected)", message.Request.ClientRequestId);
                return;
            case StorageFaultKind.Timeout:
                await Task.Delay(timeoutDelay, message.CancellationToken);
                throw new TaskCanceledException("injected: the request timed out", new TimeoutException());
            case StorageFaultKind.Reset:
                throw new IOException("injected: connection reset by peer", new SocketException((int)SocketError.ConnectionReset));
        }
        await ProcessNextAsync(message, pipeline);
        if (message.Request.Method == RequestMethod.Put && message.Response.Status is >= 200 and < 300 && BlobPath(message) is { } path)
            AcceptedWrites.Enqueue(new AcceptedWrite(Interlocked.Increment(ref _sequence), DateTimeOffset.UtcNow, path));
        if (fault == StorageFaultKind.LostAck)
            throw new IOException("injected: connection reset after the request was processed", new SocketException((int)SocketError.ConnectionReset));
    }

    private int Budget(int surface) => surface == 1 ? (budgetPerKind + 1) / 2 : budgetPerKind / 2;

    private StorageFaultKind? Draw(int surface)
    {
        if (!Armed) return null;
        lock (_lock)
        {
            var r = _random.NextDouble();
            if (r >= share) return null;
            var kinds = Enum.GetValues<StorageFaultKind>();
            var kind = kinds[_random.Next(kinds.Length)];
            if (_injected[(int)kind, surface] >= Budget(surface)) return null;
            _injected[(int)kind, surface]++;
            return kind;
        }
    }

    /// <summary>0 for table requests (table names carry the prefix's capitals, entity addresses parentheses, batches '$'), 1 for blob requests (container names are lower case).</summary>
    private static int Surface(HttpMessage message)
    {
        var first = Target(message).Split('/')[0];
        return first.StartsWith('$') || first.Contains('(') || first == "Tables" || first.Any(char.IsUpper) ? 0 : 1;
    }

    /// <summary>Azurite's path style: /account/container-or-table/...</summary>
    private static string Target(HttpMessage message)
    {
        var path = Uri.UnescapeDataString(message.Request.Uri.Path).TrimStart('/');
        var slash = path.IndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }

    /// <summary>The blob path within its container, for blob requests (tables have no '/' after the table name).</summary>
    private static string? BlobPath(HttpMessage message)
    {
        var target = Target(message);
        var slash = target.IndexOf('/');
        return slash < 0 || target.Contains('(') ? null : target[(slash + 1)..];
    }

    /// <summary>A response made up by the policy (the store never saw the request).</summary>
    private sealed class FaultResponse(int status, string reason, string clientRequestId) : Response
    {
        public override int Status => status;
        public override string ReasonPhrase => reason;
        public override Stream? ContentStream { get; set; } = new MemoryStream();
        public override string ClientRequestId { get; set; } = clientRequestId;
        public override void Dispose() => ContentStream?.Dispose();
        protected override bool ContainsHeader(string name) => false;
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];
        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
