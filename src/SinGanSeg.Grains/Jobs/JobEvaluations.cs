using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// What an evaluation of a job's dataset is made of: the job's finished real images against the
/// pairs it kept from them (restyled ones with their styled image). One definition for the job's
/// own evaluate stage and for evaluations asked for later (POST /api/evaluations).
/// </summary>
public static class JobEvaluations
{
    /// <summary>The id of the evaluation a job's own evaluate stage starts.</summary>
    public static string OwnId(string jobId) => $"{jobId}-evaluation";

    /// <summary>The id of a later evaluation when the client names none: the same request gives the same id, so asking again is harmless.</summary>
    public static string DerivedId(EvaluationSpec spec) => $"{spec.JobId}-eval-{spec.Fingerprint()[..8]}";

    public static EvaluationSpec Spec(string evaluationId, JobSpec job, IReadOnlySet<string> doneImages, IEnumerable<SampleRecord> samples,
        EvaluationSettings settings, int maxAttempts) =>
        new(evaluationId,
            [.. job.Images.Where(i => doneImages.Contains(i.Name))],
            [.. samples.Select(s => new SyntheticInput(s.Name, "artifact:" + s.ImageKey, "artifact:" + s.MaskKey, s.SourceImage,
                s.StyledImageKey is null ? null : "artifact:" + s.StyledImageKey))],
            settings, MaxAttempts: Math.Max(1, maxAttempts), JobId: job.JobId);
}
