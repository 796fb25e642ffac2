using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Cli.Cluster;

/// <summary>Writes a finished job's dataset as images/, masks/ (same names) and manifest.jsonl.</summary>
public static class DatasetExport
{
    public static async Task<int> ExportAsync(IArtifactStore store, JobStatus status, string outDir, CancellationToken cancellation)
    {
        var count = 0;
        foreach (var kind in new[] { "images", "masks" })
        {
            var prefix = $"jobs/{status.JobId}/{kind}/";
            Directory.CreateDirectory(Path.Combine(outDir, kind));
            foreach (var key in await store.ListAllAsync(prefix, cancellation))
            {
                await store.GetFileAsync(key, Path.Combine(outDir, kind, key[prefix.Length..]), cancellation);
                if (kind == "images") count++;
            }
        }
        if (status.ManifestKey is not null)
            await store.GetFileAsync(status.ManifestKey, Path.Combine(outDir, "manifest.jsonl"), cancellation);
        return count;
    }
}
