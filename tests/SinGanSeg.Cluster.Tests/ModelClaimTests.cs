using System.Collections.Concurrent;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Core.Tests;

/// <summary>Defect 3 of issue 11: one writer per model key, decided by the store's conditional writes.</summary>
public class ModelClaimTests(Azurite azurite) : IClassFixture<Azurite>
{
    public static TheoryData<string> Stores => ["local", "shared", "blob"];

    private IArtifactStore Store(string kind) => kind switch
    {
        "local" => new LocalArtifactStore(TestData.NewTempDir("claims")),
        "shared" => new SharedFolderArtifactStore(TestData.NewTempDir("claims-shared")),
        _ => new BlobArtifactStore(azurite.ConnectionString, "claims" + Guid.NewGuid().ToString("N")[..8]),
    };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Conditional_puts_refuse_a_second_create_and_a_stale_version(string kind)
    {
        var store = Store(kind);
        Assert.Null(await store.GetVersionedAsync("a/x.json"));
        var v1 = await store.PutIfAsync("a/x.json", "one"u8.ToArray(), null);
        Assert.NotNull(v1);
        Assert.Null(await store.PutIfAsync("a/x.json", "two"u8.ToArray(), null)); // second create
        var v2 = await store.PutIfAsync("a/x.json", "two"u8.ToArray(), v1);
        Assert.NotNull(v2);
        Assert.NotEqual(v1, v2);
        Assert.Null(await store.PutIfAsync("a/x.json", "three"u8.ToArray(), v1)); // stale version
        var now = await store.GetVersionedAsync("a/x.json");
        Assert.Equal("two", Encoding.UTF8.GetString(now!.Content));
        Assert.Equal(v2, now.Version);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Racing_writers_on_one_version_have_exactly_one_winner(string kind)
    {
        var store = Store(kind);
        var v = await store.PutIfAsync("race.json", "0"u8.ToArray(), null);
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(() => store.PutIfAsync("race.json", Encoding.UTF8.GetBytes($"{i}"), v))));
        Assert.Single(results, r => r is not null);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_held_claim_makes_others_wait_until_released_and_an_unrenewed_one_expires(string kind)
    {
        var store = Store(kind);
        // A 6 s lease renewed after 2 s: margins of seconds, since a loaded 2-core machine delays a 1.5 s timer by more than the 0.5 s this once had.
        var claims = new ModelClaims(store, TimeSpan.FromSeconds(6), TimeSpan.FromMilliseconds(100));
        var never = (CancellationToken _) => Task.FromResult(false);
        var a = await claims.AcquireAsync("m1", "a", never, null, CancellationToken.None);
        Assert.NotNull(a);

        // b waits while a holds and renews; gets it as soon as a releases.
        var waits = 0;
        var b = claims.AcquireAsync("m1", "b", never, _ => Interlocked.Increment(ref waits), CancellationToken.None);
        await Task.Delay(2000);
        await a!.RenewAsync();
        await Task.Delay(2000);
        Assert.False(b.IsCompleted, "b took a claim that a held and renewed");
        Assert.True(waits > 5);
        await a.ReleaseAsync();
        var bClaim = await b.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("b", (await claims.ReadAsync("m1"))!.Owner);

        // b stops renewing (its writer died): c takes over after the lease, and b's next renewal is refused.
        var c = await claims.AcquireAsync("m1", "c", never, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("c", (await claims.ReadAsync("m1"))!.Owner);
        await Assert.ThrowsAsync<ModelClaimLostException>(() => bClaim!.RenewAsync());
        await bClaim!.ReleaseAsync(); // a lost claim's release writes nothing
        Assert.Equal("c", (await claims.ReadAsync("m1"))!.Owner);
        await c!.RenewAsync();

        // A finished model needs no claim: the waiter returns null (reuse).
        var done = false;
        var d = claims.AcquireAsync("m1", "d", _ => Task.FromResult(done), null, CancellationToken.None);
        await Task.Delay(300);
        done = true;
        Assert.Null(await d.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Keep_alive_cancels_the_training_token_when_the_claim_is_taken()
    {
        var store = Store("local");
        var claims = new ModelClaims(store, TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(100));
        var a = await claims.AcquireAsync("m2", "a", _ => Task.FromResult(false), null, CancellationToken.None);
        // Someone forces the claim (what an expired lease taken over looks like to the holder).
        var current = await store.GetVersionedAsync(ModelClaims.Key("m2"));
        Assert.NotNull(await store.PutIfAsync(ModelClaims.Key("m2"), new ModelClaimRecord("z", DateTimeOffset.UtcNow.AddMinutes(1)).ToBytes(), current!.Version));
        using var lost = new CancellationTokenSource();
        using var stop = new CancellationTokenSource();
        var keepAlive = a!.KeepAliveAsync(lost, stop.Token);
        await keepAlive.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_cancelled_run_stops_renewing_so_a_waiter_takes_the_model_after_the_lease()
    {
        var store = Store("local");
        var options = new SinGanSeg.Grains.Hosting.SinGanSegOptions { ModelClaimTtl = TimeSpan.FromSeconds(2), ModelClaimPoll = TimeSpan.FromMilliseconds(100) };
        using var run = new CancellationTokenSource();
        var dir = TestData.NewTempDir("checkout");
        var a = await Task.Run(() => SinGanSeg.Grains.Images.ModelCheckout.Open(store, options, "m5", "a", Path.Combine(dir, "a"), () => { }, run.Token));
        // Held and renewed past its lease while the run is wanted.
        await Task.Delay(3000);
        var claims = new ModelClaims(store, options.ModelClaimTtl, options.ModelClaimPoll);
        Assert.Equal("a", (await claims.ReadAsync("m5"))!.Owner);
        Assert.False((await claims.ReadAsync("m5"))!.FreeAt(DateTimeOffset.UtcNow));

        // The run is cancelled but its thread never gets to dispose the checkout (stuck, or a stale
        // activation): the lease must lapse rather than be renewed for ever.
        await run.CancelAsync();
        var b = await claims.AcquireAsync("m5", "b", _ => Task.FromResult(false), null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("b", (await claims.ReadAsync("m5"))!.Owner);
        await Assert.ThrowsAsync<ModelClaimLostException>(() => a.Claim!.RenewAsync());
        a.Dispose();
        Assert.Equal("b", (await claims.ReadAsync("m5"))!.Owner);
        await b!.ReleaseAsync();
    }

    /// <summary>Lets the first PUT of a key reach the store, then loses its answer (an IOException the SDK retries).</summary>
    private sealed class LoseFirstAnswer(string key) : HttpPipelinePolicy
    {
        public int Lost;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Put && message.Request.Uri.Path.EndsWith(key, StringComparison.Ordinal)
                && message.Response.Status < 300 && Interlocked.Exchange(ref Lost, 1) == 0)
                throw new IOException("injected: the answer was lost after the write landed");
        }
    }

    [Fact]
    public async Task A_conditional_write_whose_answer_was_lost_is_recognised_as_ours()
    {
        var container = "lostack" + Guid.NewGuid().ToString("N")[..8];
        var policy = new LoseFirstAnswer("claims/models/m3.json");
        var store = new BlobArtifactStore(azurite.ConnectionString, container, [new AzureClientPolicy(policy)]);
        // The SDK retries the create, which now finds the blob: a bare PutIf reports a conflict...
        var claims = new ModelClaims(store, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        var a = await claims.AcquireAsync("m3", "a", _ => Task.FromResult(false), null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        // ...but the claim sees its own bytes there and holds it, instead of waiting for itself to expire.
        Assert.Equal(1, policy.Lost);
        Assert.NotNull(a);
        await a!.RenewAsync();
        Assert.Equal("a", (await claims.ReadAsync("m3"))!.Owner);
    }

    /// <summary>Counts, per blob path, the PUTs the store accepted (2xx), whatever the client later saw.</summary>
    private sealed class AcceptedPuts : HttpPipelineSynchronousPolicy
    {
        public ConcurrentDictionary<string, int> ByPath { get; } = new();

        public override void OnReceivedResponse(HttpMessage message)
        {
            if (message.Request.Method != RequestMethod.Put || message.Response.Status >= 300) return;
            var path = Uri.UnescapeDataString(message.Request.Uri.Path);
            var models = path.IndexOf("/models/", StringComparison.Ordinal);
            if (models >= 0) ByPath.AddOrUpdate(path[(models + 1)..], 1, (_, n) => n + 1);
        }
    }

    [Fact]
    public async Task Two_jobs_sharing_model_keys_commit_each_scale_once_and_one_reuses()
    {
        var puts = new AcceptedPuts();
        await using var cluster = await TestCluster.StartAsync(azurite, "claims", o => o,
            (_, silo) => silo.Services.AddSingleton(new AzureClientPolicy(puts)), "cpu", "cpu");
        var pairs = TestCluster.Pairs(2, skip: 12);
        var first = cluster.Client.GetGrain<IJobCoordinatorGrain>("share-a");
        var second = cluster.Client.GetGrain<IJobCoordinatorGrain>("share-b");
        // Small work (no scoring) so the test measures the claims, not the machine.
        await Task.WhenAll(first.Submit(TestCluster.Job("share-a", pairs, iterations: 6, samples: 1) with { Score = false }),
            second.Submit(TestCluster.Job("share-b", pairs, iterations: 6, samples: 1) with { Score = false }));
        var a = await TestCluster.WaitForEnd(first, TimeSpan.FromMinutes(6));
        var b = await TestCluster.WaitForEnd(second, TimeSpan.FromMinutes(6));
        Assert.Equal(JobPhase.Completed, a.Phase);
        Assert.Equal(JobPhase.Completed, b.Phase);
        foreach (var name in pairs)
        {
            var (ia, ib) = (a.Images.Single(i => i.Name == name), b.Images.Single(i => i.Name == name));
            Assert.Equal(ia.ModelKey, ib.ModelKey);
            Assert.True(ia.FromCache ^ ib.FromCache, $"{name}: exactly one job trains its model, the other reuses it (a {ia.FromCache}, b {ib.FromCache})");
            Assert.Equal(1, Math.Max(ia.Attempts, ib.Attempts)); // waiting spends no attempt
            for (var scale = 0; scale < ia.ScaleCount; scale++)
                Assert.Equal(1, puts.ByPath.GetValueOrDefault($"models/{ia.ModelKey}/scales/{scale}/netG.pth"));
            Assert.Equal(ia.ScaleCount, puts.ByPath.GetValueOrDefault($"models/{ia.ModelKey}/manifest.json"));
        }
    }
}
