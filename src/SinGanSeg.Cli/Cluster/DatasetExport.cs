using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Cli.Cluster;

/// <summary>Writes a finished job's dataset as images/, masks/ (same names) manifest.jsonl and the dataset card (pairs a gate dropped stay in the store).</summary>
/// <remarks>
/// Every file arrives through a temporary name and a rename, so a run killed while exporting
/// leaves whole files only (and temporary ones, swept by the next run); files already there with
/// the same content are left alone, so running a finished job again changes nothing.
/// </remarks>
public static class DatasetExport
{
    public static async Task<int> ExportAsync(IArtifactStore store, JobStatus status, string outDir, CancellationToken cancellation)
    {
        foreach (var folder in new[] { "images", "masks" }) Core.IO.AtomicFile.SweepOrphans(Path.Combine(outDir, folder), recursive: false);
        Core.IO.AtomicFile.SweepOrphans(outDir, recursive: false);
        var count = 0;
        foreach (var kind in new[] { "images", "masks" })
        {
            var prefix = $"jobs/{status.JobId}/{kind}/";
            Directory.CreateDirectory(Path.Combine(outDir, kind));
            foreach (var key in await store.ListAllAsync(prefix, cancellation))
            {
                await CopyIfChanged(store, key, Path.Combine(outDir, kind, key[prefix.Length..]), cancellation);
                if (kind == "images") count++;
            }
        }
        if (status.ManifestKey is not null)
            await CopyIfChanged(store, status.ManifestKey, Path.Combine(outDir, "manifest.jsonl"), cancellation);
        await ExportCardAsync(store, status.JobId, outDir, cancellation);
        return count;
    }

    /// <summary>dataset_card.md/.json/.png; again after the job's evaluation, whose results the card then carries.</summary>
    public static async Task ExportCardAsync(IArtifactStore store, string jobId, string outDir, CancellationToken cancellation)
    {
        foreach (var extension in new[] { "md", "json", "png" })
            await CopyIfChanged(store, Grains.Images.ModelKeys.Card(jobId, extension), Path.Combine(outDir, $"dataset_card.{extension}"), cancellation);
    }

    private static async Task CopyIfChanged(IArtifactStore store, string key, string path, CancellationToken cancellation)
    {
        if (File.Exists(path))
        {
            var stored = await store.GetBytesAsync(key, cancellation);
            var present = await File.ReadAllBytesAsync(path, cancellation);
            if (stored is not null && stored.AsSpan().SequenceEqual(present)) return;
        }
        await store.GetFileAsync(key, path, cancellation);
    }
}
