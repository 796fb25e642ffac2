using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace SinGanSeg.Grains.Storage;

/// <summary>Artifacts as blobs of one Azure Blob container (clusters; Azurite in tests). An upload replaces the blob whole.</summary>
public sealed class BlobArtifactStore : IArtifactStore
{
    private readonly BlobContainerClient _container;
    private readonly Lazy<Task> _created;

    public BlobArtifactStore(string connectionString, string containerName)
        : this(connectionString, containerName, [])
    {
    }

    public BlobArtifactStore(string connectionString, string containerName, IEnumerable<AzureClientPolicy> policies)
    {
        _container = AzureStorageClients.Container(connectionString, containerName, policies);
        _created = new Lazy<Task>(() => _container.CreateIfNotExistsAsync());
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellation = default)
    {
        await _created.Value;
        var start = content.CanSeek ? content.Position : 0;
        await _container.GetBlobClient(key).UploadAsync(content, overwrite: true, cancellation);
        Telemetry.SinGanSegMetrics.ArtifactWrites.Add(1);
        if (content.CanSeek) Telemetry.SinGanSegMetrics.ArtifactBytes.Add(content.Position - start);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellation = default)
    {
        await _created.Value;
        try
        {
            var result = await _container.GetBlobClient(key).DownloadStreamingAsync(cancellationToken: cancellation);
            return result.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellation = default)
    {
        await _created.Value;
        return (await _container.GetBlobClient(key).ExistsAsync(cancellation)).Value;
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await _created.Value;
        await foreach (var blob in _container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, cancellation))
            yield return blob.Name;
    }

    public async Task<VersionedArtifact?> GetVersionedAsync(string key, CancellationToken cancellation = default)
    {
        await _created.Value;
        try
        {
            var result = await _container.GetBlobClient(key).DownloadContentAsync(cancellation);
            return new VersionedArtifact(result.Value.Content.ToArray(), result.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<string?> PutIfAsync(string key, byte[] content, string? expectedVersion, CancellationToken cancellation = default)
    {
        await _created.Value;
        var conditions = expectedVersion is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(expectedVersion) };
        try
        {
            var result = await _container.GetBlobClient(key).UploadAsync(new BinaryData(content), new BlobUploadOptions { Conditions = conditions }, cancellation);
            Telemetry.SinGanSegMetrics.ArtifactWrites.Add(1);
            Telemetry.SinGanSegMetrics.ArtifactBytes.Add(content.Length);
            return result.Value.ETag.ToString();
        }
        catch (RequestFailedException e) when (e.Status is 412 or 409)
        {
            // 412: the version moved; 409 (BlobAlreadyExists): a create-only write found the blob.
            return null;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellation = default)
    {
        await _created.Value;
        await _container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellation);
    }
}
