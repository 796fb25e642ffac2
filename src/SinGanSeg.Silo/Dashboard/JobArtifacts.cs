using System.Text.Json;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Silo.Security;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>
/// What the dashboard may show of a job, and nothing else: the real inputs named in its stored
/// spec, and samples under the job's own prefix in the artifact store. Names are checked with
/// <see cref="JobValidation.IsSafeName"/> before they become keys, so no request reaches another path.
/// </summary>
public sealed class JobArtifacts(IArtifactStore store, InputRoots roots)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Sample(string Name, string? StyledName, double? Sifid, double? SifidStyled);

    /// <summary>The real image or mask of one of the job's images.</summary>
    public async Task<Stream> OpenInput(string jobId, string image, bool mask, CancellationToken cancellation)
    {
        RequireSafe(jobId, image);
        var bytes = await store.GetBytesAsync(ModelKeys.Spec(jobId)) ?? throw new KeyNotFoundException($"job '{jobId}' does not exist");
        var spec = JsonSerializer.Deserialize<JobSpec>(bytes, Json) ?? throw new KeyNotFoundException($"job '{jobId}' has no spec");
        var input = spec.Images.FirstOrDefault(i => i.Name == image) ?? throw new KeyNotFoundException($"job '{jobId}' has no image '{image}'");
        var reference = mask ? input.MaskRef : input.ImageRef;
        if (reference.StartsWith("file://", StringComparison.Ordinal))
        {
            var path = new Uri(reference).LocalPath;
            // The roots may have narrowed since the job was accepted; outside them, the answer does not say whether the file exists.
            if (!roots.Allows(path)) throw new KeyNotFoundException($"input of '{image}' is not viewable");
            return File.Exists(path) ? File.OpenRead(path) : throw new KeyNotFoundException($"{(mask ? "mask" : "image")} of '{image}' is missing");
        }
        const string artifact = "artifact:";
        var key = reference.StartsWith(artifact, StringComparison.Ordinal) ? reference[artifact.Length..] : "";
        // Uploads are stored under the job's inputs; a spec pointing elsewhere is not served.
        if (!key.StartsWith(ModelKeys.Input(jobId, mask ? "masks" : "images", ""), StringComparison.Ordinal) || key.Contains("..", StringComparison.Ordinal))
            throw new KeyNotFoundException($"input of '{image}' is not viewable");
        return await store.OpenReadAsync(key, cancellation) ?? throw new KeyNotFoundException($"{(mask ? "mask" : "image")} of '{image}' is missing");
    }

    /// <summary>A generated image (raw or _styled) or mask of the job.</summary>
    public async Task<Stream> OpenSample(string jobId, string sample, bool mask, CancellationToken cancellation)
    {
        RequireSafe(jobId, sample);
        var key = mask ? ModelKeys.SampleMask(jobId, sample) : ModelKeys.SampleImage(jobId, sample);
        // A pair a gate dropped is kept apart but still viewable, beside its source.
        var dropped = mask ? ModelKeys.DroppedMask(jobId, sample) : ModelKeys.DroppedImage(jobId, sample);
        return await store.OpenReadAsync(key, cancellation) ?? await store.OpenReadAsync(dropped, cancellation)
            ?? throw new KeyNotFoundException($"job '{jobId}' has no sample '{sample}'");
    }

    /// <summary>An image's samples as its finished attempt recorded them; none while it runs.</summary>
    public async Task<IReadOnlyList<Sample>> Samples(string jobId, string image)
    {
        RequireSafe(jobId, image);
        var bytes = await store.GetBytesAsync(ModelKeys.Outcome(jobId, image));
        if (bytes is null) return [];
        var outcome = JsonSerializer.Deserialize<ImageOutcome>(bytes, Json);
        return outcome?.Samples.OrderBy(s => s.SampleIndex).Select(s => new Sample(s.Name, s.StyledName, s.Sifid, s.SifidStyled)).ToList() ?? [];
    }

    /// <summary>
    /// An image's samples that a gate flagged (kept under report, or dropped), worst first: by the
    /// gates' scores in the gates' order (the copy score first), each with the verdicts that flagged it.
    /// </summary>
    public async Task<IReadOnlyList<FlaggedSample>> Flagged(string jobId, string image)
    {
        RequireSafe(jobId, image);
        var bytes = await store.GetBytesAsync(ModelKeys.Outcome(jobId, image));
        if (bytes is null) return [];
        var outcome = JsonSerializer.Deserialize<ImageOutcome>(bytes, Json);
        if (outcome is null) return [];
        var flagged = outcome.Samples.Concat(outcome.Dropped ?? []).Where(s => s.FlaggedVerdicts().Any()).OrderBy(_ => 0);
        foreach (var gate in GateRegistry.All)
        {
            var name = gate.Name;
            flagged = flagged.ThenByDescending(s => s.Verdict(name)?.Score ?? 0);
        }
        return [.. flagged.Select(s => new FlaggedSample(s.Name,
            [.. s.FlaggedVerdicts().Select(v => new FlaggedBy(v.Gate, v.Score, v.Threshold, v.Reasons ?? []))], s.DroppedBy))];
    }

    /// <summary>A flagged sample: the gates that flagged it and, when one dropped it, which.</summary>
    public sealed record FlaggedSample(string Name, IReadOnlyList<FlaggedBy> Gates, string? DroppedBy);

    /// <summary>One gate's flag on a sample: its score, threshold and reasons (empty when the gate gives none).</summary>
    public sealed record FlaggedBy(string Gate, double Score, double Threshold, IReadOnlyList<string> Reasons);

    private static void RequireSafe(string jobId, string name)
    {
        JobValidation.RequireSafeName(jobId, "job id");
        JobValidation.RequireSafeName(name, "name");
    }
}
