using System.Text.Json;
using Orleans.Runtime;
using Orleans.Storage;
using SinGanSeg.Core.IO;

namespace SinGanSeg.Grains.Storage;

/// <summary>
/// Grain state as JSON files on local disk, for the embedded default: a restarted process finds
/// its jobs where it left them. Each write replaces the file atomically and checks the ETag, as
/// the cloud providers do, so a stale activation cannot overwrite newer state.
/// </summary>
public sealed class FileGrainStorage(string root) : IGrainStorage
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly string _root = Path.GetFullPath(root);

    private sealed record Envelope(string ETag, JsonElement State);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return Task.CompletedTask;
        }
        var envelope = JsonSerializer.Deserialize<Envelope>(File.ReadAllBytes(path), Json)
            ?? throw new InvalidDataException($"{path}: empty grain state");
        grainState.State = envelope.State.Deserialize<T>(Json)!;
        grainState.ETag = envelope.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        lock (string.Intern(path))
        {
            CheckETag(path, grainState.ETag, grainId);
            var etag = Guid.NewGuid().ToString("N");
            var bytes = JsonSerializer.SerializeToUtf8Bytes(new Envelope(etag, JsonSerializer.SerializeToElement(grainState.State, Json)), Json);
            AtomicFile.WriteAllBytes(path, bytes);
            Telemetry.SinGanSegMetrics.GrainStateWrites.Add(1);
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        lock (string.Intern(path))
        {
            CheckETag(path, grainState.ETag, grainId);
            if (File.Exists(path)) File.Delete(path);
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    private static void CheckETag(string path, string? expected, GrainId grainId)
    {
        string? current = null;
        if (File.Exists(path))
            current = JsonSerializer.Deserialize<Envelope>(File.ReadAllBytes(path), Json)?.ETag;
        if (current != expected)
            throw new InconsistentStateException($"state of {grainId} changed since it was read (stored ETag {current ?? "none"}, expected {expected ?? "none"})", current, expected);
    }

    private string PathOf(string stateName, GrainId grainId) =>
        Path.Combine(_root, Uri.EscapeDataString(stateName), Uri.EscapeDataString(grainId.ToString()) + ".json");
}
