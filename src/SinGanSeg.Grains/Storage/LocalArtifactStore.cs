using System.Runtime.CompilerServices;
using SinGanSeg.Core.IO;

namespace SinGanSeg.Grains.Storage;

/// <summary>Artifacts as files under one folder (the embedded default). Writes go through a temp file and a rename.</summary>
public sealed class LocalArtifactStore(string root) : IArtifactStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, key));
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"artifact key '{key}' leaves the store");
        return path;
    }

    public Task PutAsync(string key, Stream content, CancellationToken cancellation = default)
    {
        long written = 0;
        AtomicFile.Write(PathOf(key), s =>
        {
            content.CopyTo(s);
            written = s.Position;
        });
        Telemetry.SinGanSegMetrics.ArtifactWrites.Add(1);
        Telemetry.SinGanSegMetrics.ArtifactBytes.Add(written);
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellation = default)
    {
        var path = PathOf(key);
        return Task.FromResult<Stream?>(File.Exists(path) ? File.OpenRead(path) : null);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellation = default) => Task.FromResult(File.Exists(PathOf(key)));

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await Task.CompletedTask;
        if (!Directory.Exists(Root)) yield break;
        var dir = Path.Combine(Root, Path.GetDirectoryName(prefix) ?? "");
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (file.EndsWith(".tmp", StringComparison.Ordinal)) continue;
            var key = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(prefix, StringComparison.Ordinal)) yield return key;
        }
    }

    public async Task<VersionedArtifact?> GetVersionedAsync(string key, CancellationToken cancellation = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return null;
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellation);
            return new VersionedArtifact(bytes, Digest(bytes));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Compare-and-swap on a file: under a lock per path shared by every store of this process
    /// (the embedded default is one process), the current content's digest is compared with the
    /// expected version before the atomic replace. The version is the digest, so two writers that
    /// write identical bytes share a version: harmless, the content is the same.
    /// </summary>
    public Task<string?> PutIfAsync(string key, byte[] content, string? expectedVersion, CancellationToken cancellation = default)
    {
        var path = PathOf(key);
        lock (PathLocks.GetOrAdd(path, _ => new Lock()))
        {
            string? current = File.Exists(path) ? Digest(File.ReadAllBytes(path)) : null;
            if (current != expectedVersion) return Task.FromResult<string?>(null);
            AtomicFile.WriteAllBytes(path, content);
        }
        Telemetry.SinGanSegMetrics.ArtifactWrites.Add(1);
        Telemetry.SinGanSegMetrics.ArtifactBytes.Add(content.Length);
        return Task.FromResult<string?>(Digest(content));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lock> PathLocks = new(StringComparer.Ordinal);

    /// <summary>The version of file content: its SHA-256.</summary>
    public static string Digest(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    public Task DeleteAsync(string key, CancellationToken cancellation = default)
    {
        var path = PathOf(key);
        if (File.Exists(path)) File.Delete(path);
        PruneEmptyFolders(Root, Path.GetDirectoryName(path));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Removes the folders a deletion left empty, up to the root: a deleted job must not leave its
    /// id (or a model key) behind as a folder name. A writer racing into a folder just pruned
    /// fails once and is retried like any storage error.
    /// </summary>
    public static void PruneEmptyFolders(string root, string? folder)
    {
        var top = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        for (var dir = folder; dir is not null && dir.Length > top.Length && dir.StartsWith(top, StringComparison.Ordinal); dir = Path.GetDirectoryName(dir))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(dir).Any()) return;
                Directory.Delete(dir);
            }
            catch (Exception e) when (e is IOException or DirectoryNotFoundException)
            {
                return; // filled or removed meanwhile
            }
        }
    }
}
