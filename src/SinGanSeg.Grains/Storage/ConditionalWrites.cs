namespace SinGanSeg.Grains.Storage;

/// <summary>Conditional writes that survive a lost acknowledgement.</summary>
public static class ConditionalWrites
{
    /// <summary>
    /// <see cref="IArtifactStore.PutIfAsync"/>, except that a refusal is checked: when the object
    /// now holds exactly these bytes, our own write landed and only its answer was lost (the SDK's
    /// retry then met the moved version), so its version is ours. The bytes must be unique to this
    /// writer and moment (claims carry the owner and an expiry; manifests the scale just added).
    /// </summary>
    public static async Task<string?> PutIfOrAdoptAsync(this IArtifactStore store, string key, byte[] content, string? expectedVersion, CancellationToken cancellation = default)
    {
        var written = await store.PutIfAsync(key, content, expectedVersion, cancellation);
        if (written is not null) return written;
        var now = await store.GetVersionedAsync(key, cancellation);
        return now is not null && now.Version != expectedVersion && now.Content.AsSpan().SequenceEqual(content) ? now.Version : null;
    }
}
