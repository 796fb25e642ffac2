using System.Text.Json;

namespace SinGanSeg.Grains.Storage;

/// <summary>What a claim object holds: who may write the model, until when, or that it let go.</summary>
public sealed record ModelClaimRecord(string Owner, DateTimeOffset ExpiresAt, bool Released = false)
{
    public bool FreeAt(DateTimeOffset now) => Released || ExpiresAt <= now;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static ModelClaimRecord? Parse(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelClaimRecord>(bytes);
        }
        catch (JsonException)
        {
            return null; // unreadable: treated as free, the conditional write still decides
        }
    }
}

/// <summary>Thrown on the training thread when the model's claim was taken by another writer: stop, write nothing more.</summary>
public sealed class ModelClaimLostException(string modelKey, string reason)
    : OperationCanceledException($"model {modelKey}: claim lost ({reason}); another writer owns it now");

/// <summary>
/// One writer per model key: a lease object <c>claims/models/&lt;key&gt;.json</c> in the artifact store,
/// taken and renewed with conditional writes (ETag or digest), so the store decides between racing
/// writers. Whoever finds the claim held waits — without spending an attempt — until the holder
/// finishes the model (then reuses it), releases it, or stops renewing it (then takes it over and
/// resumes from the last committed scale).
/// </summary>
/// <remarks>
/// Why a lease and not a grain: writers are image grains of different jobs (and, after a silo loss,
/// a stale activation of the same one); the store is the one thing they all share, and a lease
/// that expires frees a model whose writer died. Holders renew before every scale upload and every
/// <see cref="Ttl"/>/3 in between, so they never write on a lease that might have expired; this assumes
/// silo clocks agree to well under the TTL.
/// </remarks>
public sealed class ModelClaims(IArtifactStore store, TimeSpan ttl, TimeSpan poll)
{
    public TimeSpan Ttl { get; } = ttl;
    public TimeSpan Poll { get; } = poll;

    public static string Key(string modelKey) => $"claims/models/{modelKey}.json";

    /// <summary>
    /// Takes the model's claim for <paramref name="owner"/>, waiting while another holds it; returns
    /// null instead when <paramref name="finished"/> says the model is complete (nothing left to write).
    /// </summary>
    /// <param name="waiting">Called on each poll while another holder has it (keeps the caller's progress alive).</param>
    public async Task<ModelClaim?> AcquireAsync(string modelKey, string owner, Func<CancellationToken, Task<bool>> finished,
        Action<ModelClaimRecord>? waiting, CancellationToken cancellation)
    {
        var key = Key(modelKey);
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (await finished(cancellation)) return null;
            var current = await store.GetVersionedAsync(key, cancellation);
            var record = current is null ? null : ModelClaimRecord.Parse(current.Content);
            if (record is null || record.FreeAt(DateTimeOffset.UtcNow))
            {
                var mine = new ModelClaimRecord(owner, DateTimeOffset.UtcNow + Ttl);
                var version = await store.PutIfOrAdoptAsync(key, mine.ToBytes(), current?.Version, cancellation);
                if (version is not null) return new ModelClaim(store, modelKey, owner, Ttl, version, mine.ExpiresAt);
                continue; // another writer won the race: look again
            }
            waiting?.Invoke(record);
            await Task.Delay(Poll, cancellation);
        }
    }

    /// <summary>The current claim of a model (null if never claimed).</summary>
    public async Task<ModelClaimRecord?> ReadAsync(string modelKey, CancellationToken cancellation = default)
    {
        var current = await store.GetVersionedAsync(Key(modelKey), cancellation);
        return current is null ? null : ModelClaimRecord.Parse(current.Content);
    }
}

/// <summary>A held claim: renew it while writing; release it when done or giving up.</summary>
public sealed class ModelClaim(IArtifactStore store, string modelKey, string owner, TimeSpan ttl, string version, DateTimeOffset expiresAt)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string _version = version;
    private string? _lost;

    public string ModelKey => modelKey;
    public string Owner => owner;
    public DateTimeOffset ExpiresAt { get; private set; } = expiresAt;
    public bool Lost => _lost is not null;

    /// <summary>Extends the lease with a conditional write; throws <see cref="ModelClaimLostException"/> when someone else has it now.</summary>
    public async Task RenewAsync(CancellationToken cancellation = default)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            if (_lost is not null) throw new ModelClaimLostException(modelKey, _lost);
            // Even when our lease ran out (a long pause), a write that still finds our version
            // proves nobody took it meanwhile: the conditional write decides, not the clock.
            var next = new ModelClaimRecord(owner, DateTimeOffset.UtcNow + ttl);
            var written = await store.PutIfOrAdoptAsync(ModelClaims.Key(modelKey), next.ToBytes(), _version, cancellation);
            if (written is null)
            {
                _lost = "renewal refused: the claim changed";
                throw new ModelClaimLostException(modelKey, _lost);
            }
            (_version, ExpiresAt) = (written, next.ExpiresAt);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Lets go so a waiting writer need not wait out the lease. Best effort: a failed release only
    /// costs the waiter the rest of the TTL.
    /// </summary>
    public async Task ReleaseAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_lost is not null) return;
            var released = new ModelClaimRecord(owner, DateTimeOffset.UtcNow, Released: true);
            if (await store.PutIfOrAdoptAsync(ModelClaims.Key(modelKey), released.ToBytes(), _version) is { } v) _version = v;
            _lost = "released";
        }
        catch (Exception)
        {
            // The lease expires on its own.
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Renews every TTL/3 until <paramref name="stop"/> is cancelled; on a refused renewal cancels
    /// <paramref name="onLost"/> (the training) so the loser stops within one renewal period. A
    /// renewal that fails for a transient reason is retried at the next period (the lease still runs).
    /// </summary>
    public async Task KeepAliveAsync(CancellationTokenSource onLost, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ttl / 3, stop);
                await RenewAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ModelClaimLostException)
            {
                await onLost.CancelAsync();
                return;
            }
            catch (Exception)
            {
                // Transient storage failure: the lease has TTL/3·2 left; try again next period.
            }
        }
    }
}
