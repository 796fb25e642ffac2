using System.Runtime.CompilerServices;
using SinGanSeg.Core.IO;

namespace SinGanSeg.Grains.Storage;

/// <summary>
/// Artifacts on a folder every silo mounts (a ReadWriteMany volume: NFS, CephFS, …), for the
/// on-premises backend. Same layout and guarantees as <see cref="LocalArtifactStore"/> — a put
/// writes a unique temp file, fsyncs it and renames it over the key, so readers on any machine
/// see the old object or the new one — plus an fsync of the folder after each rename or delete,
/// so the change survives the file server's crash too. Writes that must not race another
/// silo's (conditional puts) hold a <see cref="SharedFolderLock"/> on the key.
/// </summary>
public sealed class SharedFolderArtifactStore : IArtifactStore
{
    /// <summary>Lock files live here, outside the key space (keys never start with a dot folder).</summary>
    public const string LockFolder = ".locks";

    private readonly LocalArtifactStore _files;

    public SharedFolderArtifactStore(string root)
    {
        _files = new LocalArtifactStore(root);
        Directory.CreateDirectory(_files.Root);
    }

    public string Root => _files.Root;

    public string PathOf(string key) => _files.PathOf(key);

    public Task PutAsync(string key, Stream content, CancellationToken cancellation = default)
    {
        var path = PathOf(key);
        long written = 0;
        AtomicFile.Write(path, s =>
        {
            content.CopyTo(s);
            written = s.Position;
        });
        SharedFolderLock.SyncDirectory(Path.GetDirectoryName(path)!);
        Telemetry.SinGanSegMetrics.ArtifactWrites.Add(1);
        Telemetry.SinGanSegMetrics.ArtifactBytes.Add(written);
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellation = default) => _files.OpenReadAsync(key, cancellation);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellation = default) => _files.ExistsAsync(key, cancellation);

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await foreach (var key in _files.ListAsync(prefix, cancellation))
            if (!key.StartsWith(LockFolder + "/", StringComparison.Ordinal)) yield return key;
    }

    public Task DeleteAsync(string key, CancellationToken cancellation = default)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            File.Delete(path);
            SharedFolderLock.SyncDirectory(Path.GetDirectoryName(path)!);
            LocalArtifactStore.PruneEmptyFolders(Root, Path.GetDirectoryName(path));
        }
        return Task.CompletedTask;
    }

    public Task<VersionedArtifact?> GetVersionedAsync(string key, CancellationToken cancellation = default) => _files.GetVersionedAsync(key, cancellation);

    /// <summary>Compare-and-swap across silos: the digest compare and the replace under the key's shared-folder lock.</summary>
    public async Task<string?> PutIfAsync(string key, byte[] content, string? expectedVersion, CancellationToken cancellation = default)
    {
        await using var held = await LockAsync(key, cancellation);
        var current = await _files.GetVersionedAsync(key, cancellation);
        if (current?.Version != expectedVersion) return null;
        using var ms = new MemoryStream(content, writable: false);
        await PutAsync(key, ms, cancellation);
        return LocalArtifactStore.Digest(content);
    }

    /// <summary>Holds the cross-process lock of one key (for read-modify-write of that key).</summary>
    public Task<SharedFolderLock> LockAsync(string key, CancellationToken cancellation = default) =>
        SharedFolderLock.AcquireAsync(LockPathOf(key), cancellation);

    /// <summary>The lock file of a key (other tools can take the same lock with flock(1)).</summary>
    public string LockPathOf(string key)
    {
        PathOf(key); // the same key rules as the object itself
        return Path.Combine(Root, LockFolder, key + ".lock");
    }
}
