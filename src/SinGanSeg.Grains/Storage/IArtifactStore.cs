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

    /// <summary>An object's content with the version a conditional put must name to replace it, or null when it does not exist.</summary>
    Task<VersionedArtifact?> GetVersionedAsync(string key, CancellationToken cancellation = default);

    /// <summary>
    /// Writes the object only if it is still at <paramref name="expectedVersion"/> (null: only if it
    /// does not exist yet) and returns its new version, or null when that condition no longer held
    /// (someone else wrote it in between) and nothing was written. The basis of the one-writer rules
    /// (model claims, the model manifest): compare-and-swap, the store deciding.
    /// </summary>
    /// <remarks>
    /// A lost acknowledgement (the write landed, the answer did not, the client retried) comes back
    /// as null too, because the retry finds the version moved: callers that must tell the two apart
    /// read the object again and compare it with what they wrote (<see cref="ConditionalWrites"/>).
    /// </remarks>
    Task<string?> PutIfAsync(string key, byte[] content, string? expectedVersion, CancellationToken cancellation = default);
}

/// <summary>An object's bytes and its version (an ETag for blobs, a content digest for files).</summary>
public sealed record VersionedArtifact(byte[] Content, string Version);
