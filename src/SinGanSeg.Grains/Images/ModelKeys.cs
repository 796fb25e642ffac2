using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Training;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// A trained model is identified by what determines it: the input's content hash, the full
/// configuration and the training seed. Jobs that ask for the same model share it (the cache).
/// </summary>
public static class ModelKeys
{
    public static string ConfigJson(SinGanConfig config) => JsonSerializer.Serialize(config, ModelManifest.JsonOptions).ReplaceLineEndings("").Replace(" ", "");

    public static string For(string inputSha256, SinGanConfig config, long seed) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{inputSha256}|{ConfigJson(config)}|{seed}")))[..24];

    public static string ModelPrefix(string modelKey) => $"models/{modelKey}/";
    /// <summary>
    /// A marker that a job uses a model (written when an image's outcome names it): a model is
    /// deleted with a job only when no other job's marker is left. Outside the model's prefix,
    /// which checkouts download whole.
    /// </summary>
    public static string ModelUser(string modelKey, string jobId) => $"model-users/{modelKey}/{jobId}";
    public static string ModelUsers(string modelKey) => $"model-users/{modelKey}/";

    /// <summary>Everything a job stores (inputs, spec, outcomes, samples, manifest, card) is under this prefix.</summary>
    public static string JobPrefix(string jobId) => $"jobs/{jobId}/";

    /// <summary>The audit record of a deletion: who asked, when, what went; kept after the job is gone.</summary>
    public static string DeletionAudit(string jobId, DateTimeOffset at) => $"audit/deletions/{at:yyyyMMdd'T'HHmmssfff}-{jobId}.json";
    public static string SampleImage(string jobId, string name) => $"jobs/{jobId}/images/{name}.png";
    public static string SampleMask(string jobId, string name) => $"jobs/{jobId}/masks/{name}.png";
    public static string StyleState(string jobId, string image, int batch) => $"jobs/{jobId}/style-state/{Uri.EscapeDataString(image)}/batch-{batch}.pth";
    public static string Outcome(string jobId, string image) => $"jobs/{jobId}/outcomes/{Uri.EscapeDataString(image)}.json";
    public static string Manifest(string jobId) => $"jobs/{jobId}/manifest.jsonl";

    /// <summary>Pairs a gate dropped: kept apart from the dataset (never exported), for the owner to inspect.</summary>
    public static string DroppedImage(string jobId, string name) => $"jobs/{jobId}/dropped/images/{name}.png";
    public static string DroppedMask(string jobId, string name) => $"jobs/{jobId}/dropped/masks/{name}.png";
    public static string DroppedManifest(string jobId) => $"jobs/{jobId}/dropped/manifest.jsonl";

    /// <summary>The dataset card's files, next to the manifest: dataset_card.md, .json, .png.</summary>
    public static string Card(string jobId, string extension) => $"jobs/{jobId}/dataset_card.{extension}";
    public static string Spec(string jobId) => $"jobs/{jobId}/spec.json";

    /// <summary>
    /// The mask agreement gate's segmenter of a job, keyed as a model is (<see cref="For"/>): by what
    /// determines it, the content hashes of the real pairs it learns from and its settings.
    /// </summary>
    public static string Segmenter(string jobId, IEnumerable<string> pairSha256, string settings) =>
        $"jobs/{jobId}/segmenter/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{string.Join(",", pairSha256)}|{settings}")))[..24]}.bin";
    public static string Input(string jobId, string kind, string fileName) => $"jobs/{jobId}/inputs/{kind}/{fileName}";
}
