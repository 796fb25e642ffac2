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

    public Task DeleteAsync(string key, CancellationToken cancellation = default)
    {
        var path = PathOf(key);
        if (File.Exists(path)) File.Delete(path);
        return Task.CompletedTask;
    }
}
