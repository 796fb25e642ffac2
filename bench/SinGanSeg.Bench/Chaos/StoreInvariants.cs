using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Checkpoints;
using SixLabors.ImageSharp;

namespace SinGanSeg.Bench.Chaos;

/// <summary>
/// The invariants of a chaos run, checked against the blob store itself (listings and contents)
/// and the wire-level record of the writes it accepted, never against the grains' word; the
/// grains' final statuses are compared with the store, not trusted.
/// </summary>
public static class StoreInvariants
{
    public sealed record Outcome(IReadOnlyList<string> Violations, int Lost, int Duplicated, int ScalesCommitted, int ScalesRedone, int Reused);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<Outcome> CheckAsync(string connection, string container, ChaosWorkload workload, IReadOnlyDictionary<string, JobStatus> finals,
        StorageFaultPolicy policy, ChaosOptions options)
    {
        var v = new List<string>();
        var blobs = new BlobContainerClient(connection, container);
        var keys = new List<string>();
        await foreach (var b in blobs.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, CancellationToken.None)) keys.Add(b.Name);
        var keySet = keys.ToHashSet(StringComparer.Ordinal);
        int lost = 0, duplicated = 0, reused = 0;

        // No torn or temporary objects anywhere.
        foreach (var k in keys.Where(k => k.EndsWith(".tmp", StringComparison.Ordinal) || k.EndsWith(".partial", StringComparison.Ordinal)
                     || k.EndsWith(".download", StringComparison.Ordinal) || k.Contains("/style-state/", StringComparison.Ordinal)))
            v.Add($"temporary object left in the store: {k}");

        foreach (var spec in new[] { workload.Main, workload.Shared })
        {
            if (!finals.TryGetValue(spec.JobId, out var status)) continue; // already reported as not terminal
            var prefix = $"jobs/{spec.JobId}/";
            // Outcomes in the store, one per image.
            var outcomes = new Dictionary<string, ImageOutcome>(StringComparer.Ordinal);
            foreach (var k in keys.Where(k => k.StartsWith(prefix + "outcomes/", StringComparison.Ordinal)))
            {
                var o = JsonSerializer.Deserialize<ImageOutcome>((await blobs.GetBlobClient(k).DownloadContentAsync()).Value.Content.ToArray(), Web);
                if (o is null) v.Add($"{k}: unreadable outcome");
                else outcomes[o.Name] = o;
            }
            foreach (var image in spec.Images)
            {
                if (ChaosWorkload.PlantedBad.Contains(image.Name))
                {
                    // A failure's reason lives in the job's grain state (an Orleans-serialized table
                    // entity), so it is read through the status; the store must hold nothing of it.
                    var s = status.Images.SingleOrDefault(i => i.Name == image.Name);
                    if (s is null || s.Phase != ImagePhase.Failed || string.IsNullOrEmpty(s.Error) || !s.Error.Contains(image.Name, StringComparison.Ordinal))
                        v.Add($"{spec.JobId}/{image.Name}: planted bad input should fail with a reason naming it; status: {s?.Phase} '{s?.Error}'");
                    if (outcomes.ContainsKey(image.Name)) v.Add($"{spec.JobId}/{image.Name}: planted bad input has a successful outcome in the store");
                    continue;
                }
                if (!outcomes.TryGetValue(image.Name, out var o) || !o.Succeeded)
                {
                    v.Add($"{spec.JobId}/{image.Name}: good input has no successful outcome in the store (status: {status.Images.SingleOrDefault(i => i.Name == image.Name)?.Phase} {status.Images.SingleOrDefault(i => i.Name == image.Name)?.Error})");
                    lost++;
                    continue;
                }
                if (spec == workload.Shared && o.FromCache) reused++;
            }
            // Status counts equal the store.
            var doneInStatus = status.Images.Where(i => i.Phase == ImagePhase.Done).Select(i => i.Name).Order(StringComparer.Ordinal).ToList();
            var doneInStore = outcomes.Values.Where(o => o.Succeeded).Select(o => o.Name).Order(StringComparer.Ordinal).ToList();
            if (!doneInStatus.SequenceEqual(doneInStore))
                v.Add($"{spec.JobId}: status says {doneInStatus.Count} done, the store holds {doneInStore.Count} successful outcomes (first difference: {doneInStatus.Except(doneInStore).Concat(doneInStore.Except(doneInStatus)).FirstOrDefault()})");
            var failedInStatus = status.Images.Where(i => i.Phase == ImagePhase.Failed).Select(i => i.Name).ToList();
            if (failedInStatus.Any(n => !ChaosWorkload.PlantedBad.Contains(n)))
                v.Add($"{spec.JobId}: failed although its input is good: {string.Join(", ", failedInStatus.Where(n => !ChaosWorkload.PlantedBad.Contains(n)))}");
            if (status.Images.Count != spec.Images.Count) v.Add($"{spec.JobId}: status lists {status.Images.Count} images of {spec.Images.Count}");

            // The dataset: every sample of every done image exactly once, in the manifest and as files, nothing else.
            var expected = doneInStore.SelectMany(n => Enumerable.Range(0, spec.SamplesPerImage).Select(i => $"{n}_seed{spec.Seed}_{i:D4}")).ToHashSet(StringComparer.Ordinal);
            if (!keySet.Contains(prefix + "manifest.jsonl"))
            {
                v.Add($"{spec.JobId}: no manifest.jsonl");
                lost += expected.Count;
                continue;
            }
            var lines = (await blobs.GetBlobClient(prefix + "manifest.jsonl").DownloadContentAsync()).Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var names = new List<string>();
            foreach (var line in lines)
            {
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var image = doc.RootElement.GetProperty("image").GetString()!;
                    names.Add(Path.GetFileNameWithoutExtension(image));
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    v.Add($"{spec.JobId}: torn manifest line: {line[..Math.Min(80, line.Length)]}");
                }
            }
            var dupLines = names.GroupBy(n => n).Where(g => g.Count() > 1).ToList();
            duplicated += dupLines.Sum(g => g.Count() - 1);
            foreach (var g in dupLines.Take(5)) v.Add($"{spec.JobId}: manifest lists {g.Key} {g.Count()} times");
            foreach (var missing in expected.Except(names).Take(5)) v.Add($"{spec.JobId}: sample {missing} missing from the manifest");
            lost += expected.Except(names).Count();
            foreach (var extra in names.Except(expected).Take(5)) v.Add($"{spec.JobId}: manifest lists {extra}, which no done image should have made");
            duplicated += names.Except(expected).Count();
            foreach (var kind in new[] { "images", "masks" })
            {
                var files = keys.Where(k => k.StartsWith($"{prefix}{kind}/", StringComparison.Ordinal)).Select(k => Path.GetFileNameWithoutExtension(k)).ToHashSet(StringComparer.Ordinal);
                foreach (var missing in expected.Except(files).Take(5)) v.Add($"{spec.JobId}: {kind}/{missing}.png missing");
                lost += expected.Except(files).Count();
                foreach (var extra in files.Except(expected).Take(5)) v.Add($"{spec.JobId}: {kind}/{extra}.png is not in the dataset");
                duplicated += files.Except(expected).Count();
                foreach (var f in files.Intersect(expected))
                {
                    var bytes = (await blobs.GetBlobClient($"{prefix}{kind}/{f}.png").DownloadContentAsync()).Value.Content.ToArray();
                    try
                    {
                        var info = Image.Identify(bytes);
                        if (info is null) v.Add($"{spec.JobId}: {kind}/{f}.png is not an image");
                    }
                    catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException)
                    {
                        v.Add($"{spec.JobId}: {kind}/{f}.png is torn: {e.Message}");
                    }
                }
            }
        }

        // Models: complete, every listed scale's files present; no scale written again once a later one was.
        var models = finals.Values.SelectMany(f => f.Images).Where(i => i.Phase == ImagePhase.Done && i.ModelKey is not null)
            .GroupBy(i => i.ModelKey!).ToDictionary(g => g.Key, g => g.Max(i => i.ScaleCount));
        int committed = 0, redone = 0;
        var writes = policy.AcceptedWrites.ToList();
        foreach (var (model, scales) in models)
        {
            var mk = $"models/{model}/manifest.json";
            if (!keySet.Contains(mk))
            {
                v.Add($"model {model}: no manifest");
                continue;
            }
            var manifest = ModelManifest.FromJson((await blobs.GetBlobClient(mk).DownloadContentAsync()).Value.Content.ToString(), mk);
            if (!manifest.Complete) v.Add($"model {model}: manifest lists {manifest.Scales.Count} of {manifest.Geometry.ScaleCount} scales");
            for (var s = 0; s < manifest.Scales.Count; s++)
                if (!keySet.Contains($"models/{model}/scales/{s}/netG.pth")) v.Add($"model {model}: scale {s} listed without its files");
            committed += manifest.Scales.Count;
            var scaleWrites = writes.Where(w => w.Path.StartsWith($"models/{model}/scales/", StringComparison.Ordinal) && w.Path.EndsWith("/netG.pth", StringComparison.Ordinal))
                .Select(w => (w.Sequence, Scale: int.Parse(w.Path.Split('/')[3], System.Globalization.CultureInfo.InvariantCulture))).ToList();
            for (var s = 0; s < scales; s++)
            {
                var mine = scaleWrites.Where(w => w.Scale == s).ToList();
                redone += Math.Max(0, mine.Count - 1);
                var firstLater = scaleWrites.Where(w => w.Scale > s).Select(w => w.Sequence).DefaultIfEmpty(long.MaxValue).Min();
                if (mine.Any(w => w.Sequence > firstLater))
                    v.Add($"model {model}: scale {s} trained again after scale {s + 1} was under way, i.e. after it was committed");
            }
        }
        var faultsTotal = policy.Faults.Count + options.SiloKills + options.Outages;
        if (redone > faultsTotal) v.Add($"{redone} scales redone for {faultsTotal} faults: more than the scale in flight per fault");
        return new Outcome(v, lost, duplicated, committed, redone, reused);
    }
}
