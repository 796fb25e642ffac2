namespace SinGanSeg.Grains.Storage;

/// <summary>
/// Where inputs, checkpoints, samples and manifests live: a local folder for the embedded
/// default, an Azure Blob container for clusters. Keys are '/'-separated relative paths; a put
/// replaces the whole object, so a reader sees the old content or the new, never a mix.
/// </summary>
public interface IArtifactStore
{
    Task PutAsync(string key, Stream content, CancellationToken cancellation = default);

    /// <summary>Opens an object for reading, or null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellation = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellation = default);

    /// <summary>Every key starting with <paramref name="prefix"/>.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellation = default);

    Task DeleteAsync(string key, CancellationToken cancellation = default);
}
