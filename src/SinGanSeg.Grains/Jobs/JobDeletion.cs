using System.Text.Json;
using Microsoft.Extensions.Logging;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Evaluation;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// The artifact-store half of deleting a job: its own objects, its evaluations', and each of its
/// models that no other job uses and nobody is training; then the audit record. Every step is
/// safe to repeat, so a deletion cut short (a silo lost, the store refusing) is simply run again.
/// </summary>
/// <remarks>
/// A model is shared by every job that asks for the same input, settings and seed. Another job's
/// marker keeps it; a live training claim keeps it too (a job whose image is training it has not
/// written its marker yet). Left open: a job that has just finished training the model and is
/// still generating from its local copy; its samples are unaffected, only its model download
/// would then be gone.
/// </remarks>
public static class JobDeletion
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<JobDeletionReport> RemoveArtifacts(IArtifactStore store, string jobId, IReadOnlyCollection<string> evaluationIds,
        IReadOnlyCollection<string> modelKeys, string requestedBy, DateTimeOffset requestedAt, ModelClaims claims, ILogger logger)
    {
        var deleted = 0;
        deleted += await DeletePrefix(store, ModelKeys.JobPrefix(jobId));
        foreach (var evaluationId in evaluationIds) deleted += await DeletePrefix(store, EvaluationKeys.Prefix(evaluationId));
        var removedModels = new List<string>();
        var keptModels = new List<string>();
        foreach (var model in modelKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await store.DeleteAsync(ModelKeys.ModelUser(model, jobId));
            var otherUsers = await store.ListAllAsync(ModelKeys.ModelUsers(model));
            var claim = otherUsers.Count > 0 ? null : await HeldClaim(claims, model);
            if (otherUsers.Count > 0 || claim is { Free: false })
            {
                keptModels.Add(model);
                continue;
            }
            deleted += await DeletePrefix(store, ModelKeys.ModelPrefix(model));
            if (claim is not null)
            {
                await store.DeleteAsync(ModelClaims.Key(model));
                deleted++;
            }
            removedModels.Add(model);
        }
        var auditKey = ModelKeys.DeletionAudit(jobId, requestedAt);
        var report = new JobDeletionReport(jobId, true, requestedBy, requestedAt, deleted, [.. removedModels], [.. keptModels], auditKey);
        await store.PutBytesAsync(auditKey, JsonSerializer.SerializeToUtf8Bytes(report, Json));
        logger.LogInformation("job {Job}: deleted at the request of {Who}: {Objects} objects, models deleted {Deleted}, kept (used elsewhere) {Kept}; audit {Audit}",
            jobId, requestedBy, deleted, removedModels.Count, keptModels.Count, auditKey);
        return report;
    }

    /// <summary>
    /// The model's claim, waiting up to one lease for a held one to lapse: a claim still held right
    /// after this job's own run ended is usually that run's release that did not land (it then
    /// expires by itself), and keeping the model for it would leak the model for good. A claim
    /// renewed through a whole lease belongs to a live writer of another job: the model stays.
    /// </summary>
    private static async Task<(bool Free, ModelClaimRecord Record)?> HeldClaim(ModelClaims claims, string model)
    {
        var deadline = DateTimeOffset.UtcNow + claims.Ttl + claims.Ttl / 3;
        while (true)
        {
            var record = await claims.ReadAsync(model);
            if (record is null) return null;
            if (record.FreeAt(DateTimeOffset.UtcNow)) return (true, record);
            if (DateTimeOffset.UtcNow > deadline) return (false, record);
            await Task.Delay(claims.Poll);
        }
    }

    private static async Task<int> DeletePrefix(IArtifactStore store, string prefix)
    {
        var keys = await store.ListAllAsync(prefix);
        foreach (var key in keys) await store.DeleteAsync(key);
        return keys.Count;
    }
}
