using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Request = Azure.Core.Request;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Storage faults aimed at particular requests, through the Azure SDK pipeline (registered per
/// call, in front of the SDK's own retries, so each injected fault reaches the caller). A rule
/// can wait for a trigger request (e.g. an outcome blob stored) before it fails the next
/// matching ones, either before they are sent or after they reached the store (a lost
/// acknowledgement), or hang: block the calling thread, deaf to cancellation, until released (a
/// connection that never answers, on a thread that waits synchronously).
/// </summary>
public sealed class AimedFaults : HttpPipelinePolicy
{
    public sealed class Rule(string name, Func<Request, bool> match, int count, bool afterSend, Func<Request, bool>? trigger, bool hang = false)
    {
        private readonly ManualResetEventSlim _released = new();
        public bool Hang { get; } = hang;
        /// <summary>Lets every request this hanging rule holds (and will hold) go on to the store.</summary>
        public void Release() => _released.Set();
        public void WaitForRelease() => _released.Wait();
        private int _remaining = count;
        public string Name { get; } = name;
        public Func<Request, bool> Match { get; } = match;
        public bool AfterSend { get; } = afterSend;
        public Func<Request, bool>? Trigger { get; } = trigger;
        public volatile bool Armed = trigger is null;
        public int Count { get; } = count;
        public int Fired => Math.Min(Count, Count - Volatile.Read(ref _remaining));
        public bool TryTake() => Armed && Interlocked.Decrement(ref _remaining) >= 0;
    }

    private readonly ConcurrentBag<Rule> _rules = [];
    private readonly ConcurrentQueue<string> _writes = new();

    /// <summary>The last writes seen (method and path), to tell why a rule never fired.</summary>
    public IEnumerable<string> RecentWrites => _writes;

    public Rule Add(string name, Func<Request, bool> match, int count = 1, bool afterSend = false, Func<Request, bool>? trigger = null, bool hang = false)
    {
        var rule = new Rule(name, match, count, afterSend, trigger, hang);
        _rules.Add(rule);
        return rule;
    }

    public static bool IsWrite(Request r) => r.Method == RequestMethod.Put || r.Method == RequestMethod.Patch || r.Method == RequestMethod.Post
        || r.Method.Method == "MERGE";

    /// <summary>The request's path, decoded: "/account/table(PartitionKey='…',RowKey='…')" or "/account/container/blob".</summary>
    public static string PathOf(Request r) => "/" + Uri.UnescapeDataString(r.Uri.Path).TrimStart('/');

    /// <summary>A write of the grain state of the given grain type and key (Orleans' partition key holds the grain id).</summary>
    public static Func<Request, bool> StateWrite(string grainType, string key) => r =>
        IsWrite(r) && PathOf(r).Split('/') is [_, _, var table, ..] && table.Split('(')[0].EndsWith("State", StringComparison.Ordinal)
        && table.Contains(grainType, StringComparison.Ordinal) && table.Contains(key, StringComparison.Ordinal);

    /// <summary>An upload of a blob whose name starts with the prefix (the container is the first segment after the account).</summary>
    public static Func<Request, bool> BlobPut(string prefix) => r =>
        r.Method == RequestMethod.Put && PathOf(r).Split('/', 4) is [_, _, _, var blob] && blob.StartsWith(prefix, StringComparison.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var request = message.Request;
        if (IsWrite(request))
        {
            _writes.Enqueue($"{request.Method} {PathOf(request)}");
            while (_writes.Count > 200) _writes.TryDequeue(out _);
        }
        var rule = _rules.FirstOrDefault(r => r.Armed && r.Match(request) && r.TryTake());
        if (rule is { Hang: true })
        {
            rule.WaitForRelease();
            await ProcessNextAsync(message, pipeline);
            return;
        }
        if (rule is { AfterSend: false }) throw new RequestFailedException(503, $"injected fault '{rule.Name}' before sending {request.Method} {PathOf(request)}");
        await ProcessNextAsync(message, pipeline);
        if (rule is not null) throw new RequestFailedException(0, $"injected fault '{rule.Name}': the answer to {request.Method} {PathOf(request)} was lost");
        if (message.Response.Status < 300)
            foreach (var waiting in _rules.Where(r => !r.Armed && r.Trigger!(request))) waiting.Armed = true;
    }
}
