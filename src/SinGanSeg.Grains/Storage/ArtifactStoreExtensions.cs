namespace SinGanSeg.Grains.Storage;

public static class ArtifactStoreExtensions
{
    public static async Task PutFileAsync(this IArtifactStore store, string key, string path, CancellationToken cancellation = default)
    {
        await using var file = File.OpenRead(path);
        await store.PutAsync(key, file, cancellation);
    }

    public static async Task PutBytesAsync(this IArtifactStore store, string key, byte[] bytes, CancellationToken cancellation = default)
    {
        using var ms = new MemoryStream(bytes, writable: false);
        await store.PutAsync(key, ms, cancellation);
    }

    public static async Task<byte[]?> GetBytesAsync(this IArtifactStore store, string key, CancellationToken cancellation = default)
    {
        await using var stream = await store.OpenReadAsync(key, cancellation);
        if (stream is null) return null;
        using var ms = new MemoryStream();
        await stream.CopyToAsync(ms, cancellation);
        return ms.ToArray();
    }

    /// <summary>Downloads an object to a local file (through a temporary name); false when it does not exist.</summary>
    public static async Task<bool> GetFileAsync(this IArtifactStore store, string key, string path, CancellationToken cancellation = default)
    {
        await using var stream = await store.OpenReadAsync(key, cancellation);
        if (stream is null) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = $"{path}.{Guid.NewGuid():N}.download";
        try
        {
            await using (var file = File.Create(tmp)) await stream.CopyToAsync(file, cancellation);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        return true;
    }

    public static async Task<List<string>> ListAllAsync(this IArtifactStore store, string prefix, CancellationToken cancellation = default)
    {
        var keys = new List<string>();
        await foreach (var k in store.ListAsync(prefix, cancellation)) keys.Add(k);
        return keys;
    }
}
