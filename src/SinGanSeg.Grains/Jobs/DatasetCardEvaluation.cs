using System.Globalization;
using System.Text;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// The dataset card's evaluation section. The card is first written when the job finishes, while
/// its evaluation is still running; the evaluation then calls the job back and the card is written
/// again with the results, so the section says either where they will be or what they are.
/// </summary>
public static class DatasetCardEvaluation
{
    private const string Running = "running";

    /// <summary>
    /// The job's evaluation: its state, where its full report is (the API path: the zip does not
    /// hold it), and once finished the per-set test scores.
    /// </summary>
    public sealed record Section(string? Id, string State, string? Error, string? Report, IReadOnlyList<EvaluationSetScores>? Results);

    public static Section? Of(JobStatus status, EvaluationStatus? evaluation)
    {
        if (status.EvaluationId is not { } id)
            return status.EvaluationError is { } error ? new Section(null, "not started", error, null, null) : null;
        var report = $"/api/evaluations/{id}/report/report.md";
        if (evaluation is null || evaluation.EvaluationId != id || !evaluation.IsFinished)
            return new Section(id, Running, null, report, null);
        return new Section(id, evaluation.Phase.ToString(), evaluation.Error, evaluation.ReportPrefix is null ? null : report, evaluation.Summary);
    }

    public static void Markdown(StringBuilder sb, Section e)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("## Evaluation").AppendLine();
        sb.AppendLine("Segmentation models trained on the real images and on these synthetic pairs, tested on held-out real images (k-fold).").AppendLine();
        if (e.Id is null)
        {
            sb.AppendLine(inv, $"Not started: {e.Error}").AppendLine();
            return;
        }
        if (e.Results is null)
        {
            var line = e.State == Running
                ? $"Evaluation {e.Id}: running. This card is written again with its results when it finishes; until then see {e.Report}."
                : $"Evaluation {e.Id}: {e.State}, without results{(e.Error is null ? "" : $" ({e.Error})")}.";
            sb.AppendLine(line).AppendLine();
            return;
        }
        sb.AppendLine(inv, $"Evaluation {e.Id}: {e.State}; full report at {e.Report}.").AppendLine();
        sb.AppendLine("| training set | model | Dice (mean ± std over folds) | IoU | precision | recall | folds |").AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in e.Results)
            sb.AppendLine(inv, $"| {r.Set} | {r.Model} | {r.Dice:0.000} ± {r.DiceStd:0.000} | {r.Iou:0.000} ± {r.IouStd:0.000} | {r.Precision:0.000} | {r.Recall:0.000} | {r.Folds} |");
        sb.AppendLine();
    }
}
