using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;

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

    public async Task DeleteAsync(string key, CancellationToken cancellation = default)
    {
        await _created.Value;
        await _container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellation);
    }
}
