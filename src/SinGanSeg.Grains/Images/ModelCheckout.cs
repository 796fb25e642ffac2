using System.Text;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// One run's hold on its model in the artifact store. A complete model is fetched and reused.
/// Otherwise the model's claim is taken first (waiting while another writer holds it, and reusing
/// the model if that writer completes it), then the committed scales are fetched to resume from,
/// the claim is renewed in the background, and each scale is committed under it: renew, upload the
/// scale's files, then the manifest with If-Match on the version read — so a writer that lost the
/// claim (another job's image, a stale activation) stops before writing and never commits.
/// Synchronous, for the training thread.
/// </summary>
public sealed class ModelCheckout : IDisposable
{
    private readonly IArtifactStore _store;
    private readonly string _prefix;
    private readonly CancellationTokenSource _lost;
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly CancellationTokenSource _stopRenewingOrCancelled;
    private Task? _renewing;
    private string? _manifestVersion;

    public string ModelKey { get; }
    public ModelClaim? Claim { get; private set; }

    /// <summary>The model was complete (at once or after waiting for its writer): nothing to train.</summary>
    public bool FromCache { get; private set; }

    /// <summary>Cancelled with the run, or when the claim is lost: the token training must run under.</summary>
    public CancellationToken Token => _lost.Token;

    private string ManifestKey => _prefix + "manifest.json";

    private ModelCheckout(IArtifactStore store, string modelKey, CancellationToken cancellation)
    {
        _store = store;
        ModelKey = modelKey;
        _prefix = ModelKeys.ModelPrefix(modelKey);
        _lost = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _stopRenewingOrCancelled = CancellationTokenSource.CreateLinkedTokenSource(_stopRenewing.Token, cancellation);
    }

    /// <param name="owner">Unique to this run: a stale activation of the same image is another writer.</param>
    /// <param name="waiting">Called while another writer holds the model (keeps the image's progress alive).</param>
    public static ModelCheckout Open(IArtifactStore store, SinGanSegOptions options, string modelKey, string owner, string modelDir,
        Action waiting, CancellationToken cancellation)
    {
        var checkout = new ModelCheckout(store, modelKey, cancellation);
        try
        {
            checkout.OpenAsync(options, owner, modelDir, waiting, cancellation).GetAwaiter().GetResult();
            return checkout;
        }
        catch
        {
            checkout.Dispose();
            throw;
        }
    }

    private async Task OpenAsync(SinGanSegOptions options, string owner, string modelDir, Action waiting, CancellationToken cancellation)
    {
        if (IsComplete(await _store.GetVersionedAsync(ManifestKey, cancellation)))
        {
            await DownloadAsync(modelDir, cancellation);
            FromCache = true;
            return;
        }
        var claims = new ModelClaims(_store, options.ModelClaimTtl, options.ModelClaimPoll);
        Claim = await claims.AcquireAsync(ModelKey, owner, async ct => IsComplete(await _store.GetVersionedAsync(ManifestKey, ct)), _ => waiting(), cancellation);
        if (Claim is null)
        {
            await DownloadAsync(modelDir, cancellation);
            FromCache = true;
            return;
        }
        // Under the claim nobody else writes the model: what is read now is what training resumes from.
        var manifest = await _store.GetVersionedAsync(ManifestKey, cancellation);
        _manifestVersion = manifest?.Version;
        await DownloadAsync(modelDir, cancellation);
        if (IsComplete(manifest))
        {
            // Completed between the last look and the claim.
            FromCache = true;
            await Claim.ReleaseAsync();
            Claim = null;
            return;
        }
        // Renewed only while the run is wanted: a cancelled run whose thread is stuck (or a stale
        // activation still going after its silo let go) must not hold the model for ever — the
        // lease lapses, a waiter takes it over, and the stale run's next commit is refused.
        _renewing = Claim.KeepAliveAsync(_lost, _stopRenewingOrCancelled.Token);
    }

    /// <summary>Commits a finished scale (its files in the model folder) under the claim; throws <see cref="ModelClaimLostException"/> if it is gone.</summary>
    public void CommitScale(ModelFolder folder, int index, CancellationToken cancellation)
    {
        var claim = Claim ?? throw new InvalidOperationException("no claim: this model is not being trained here");
        claim.RenewAsync(cancellation).GetAwaiter().GetResult();
        foreach (var file in Directory.GetFiles(folder.ScalePath(index)))
            _store.PutFileAsync($"{_prefix}scales/{index}/{Path.GetFileName(file)}", file, cancellation).GetAwaiter().GetResult();
        if (index == 0) _store.PutFileAsync($"{_prefix}input.png", folder.InputPath, cancellation).GetAwaiter().GetResult();
        var written = _store.PutIfOrAdoptAsync(ManifestKey, File.ReadAllBytes(folder.ManifestPath), _manifestVersion, cancellation).GetAwaiter().GetResult();
        _manifestVersion = written ?? throw new ModelClaimLostException(ModelKey, "the model manifest changed under this writer");
    }


    private async Task DownloadAsync(string directory, CancellationToken cancellation)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        foreach (var key in await _store.ListAllAsync(_prefix, cancellation))
            await _store.GetFileAsync(key, Path.Combine(directory, key[_prefix.Length..]), cancellation);
    }

    private bool IsComplete(VersionedArtifact? manifest) =>
        manifest is not null && ModelManifest.FromJson(Encoding.UTF8.GetString(manifest.Content), ManifestKey).Complete;

    /// <summary>Stops renewing and releases the claim (a waiting writer goes on at once instead of after the lease).</summary>
    public void Dispose()
    {
        _stopRenewing.Cancel();
        try
        {
            _renewing?.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        Claim?.ReleaseAsync().GetAwaiter().GetResult();
        _stopRenewingOrCancelled.Dispose();
        _stopRenewing.Dispose();
        _lost.Dispose();
    }
}
