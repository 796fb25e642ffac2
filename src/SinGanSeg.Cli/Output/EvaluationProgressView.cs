using System.Globalization;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Cli.Output;

/// <summary>Follows an evaluation: a line per epoch and per finished run, then the per-set summary; exports the report.</summary>
public static class EvaluationProgressView
{
    public static async Task<EvaluationStatus> Follow(Func<CancellationToken, Task<EvaluationStatus>> poll, CancellationToken cancellation)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            var status = await poll(cancellation);
            foreach (var run in status.Runs)
            {
                var line = Describe(run);
                if (line is null || (seen.TryGetValue(run.Key, out var previous) && previous == line)) continue;
                seen[run.Key] = line;
                Console.WriteLine(line);
            }
            if (status.IsFinished) return status;
            await Task.Delay(1000, cancellation);
        }
    }

    public static void PrintSummary(EvaluationStatus status)
    {
        Console.WriteLine($"evaluation {status.EvaluationId}: {status.Phase}, {status.Runs.Count(r => r.Phase == EvaluationRunPhase.Done)}/{status.Runs.Count} runs done");
        foreach (var failed in status.Runs.Where(r => r.Phase == EvaluationRunPhase.Failed))
            Console.Error.WriteLine($"failed: {failed.Key}: {failed.Error}");
        var summary = status.Summary ?? [];
        var models = summary.Select(s => s.Model).Distinct().ToList();
        foreach (var model in models)
        {
            // Each model against its own real-only runs: a U-Net's share of UNet++'s real-only Dice would mean nothing.
            if (models.Count > 1) Console.WriteLine($"  {Core.Segmentation.SegmentationModels.DisplayName(model)}:");
            var sets = summary.Where(s => s.Model == model).ToList();
            var width = sets.Max(s => s.Set.Length) + 2;
            var real = sets.FirstOrDefault(s => s.Set == TrainingSets.Real);
            foreach (var s in sets)
            {
                var relative = real is not null && real.Dice > 0 && s.Set != TrainingSets.Real ? string.Create(CultureInfo.InvariantCulture, $"  ({s.Dice / real.Dice * 100:F0} % of real)") : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {s.Set.PadRight(width)}Dice {s.Dice:F3} ± {s.DiceStd:F3}  IoU {s.Iou:F3} ± {s.IouStd:F3}  precision {s.Precision:F3}  recall {s.Recall:F3}  accuracy {s.Accuracy:F3}{relative}"));
            }
        }
    }

    /// <summary>Copies report.md, report.json and the charts into <paramref name="outDir"/>.</summary>
    public static async Task<int> ExportAsync(IArtifactStore store, EvaluationStatus status, string outDir, CancellationToken cancellation)
    {
        if (status.ReportPrefix is null) return 0;
        Directory.CreateDirectory(outDir);
        var count = 0;
        foreach (var key in await store.ListAllAsync(status.ReportPrefix, cancellation))
        {
            await store.GetFileAsync(key, Path.Combine(outDir, key[status.ReportPrefix.Length..]), cancellation);
            count++;
        }
        return count;
    }

    private static string? Describe(EvaluationRunStatus run) => run.Phase switch
    {
        EvaluationRunPhase.Running when run.Epochs > 0 => string.Create(CultureInfo.InvariantCulture, $"  {run.Key}: epoch {run.Epoch}/{run.Epochs}, val IoU {run.ValidationIou:F3}"),
        EvaluationRunPhase.Done => string.Create(CultureInfo.InvariantCulture, $"{run.Key}: test Dice {run.TestDice:F3}, IoU {run.TestIou:F3}"),
        EvaluationRunPhase.Failed => $"{run.Key}: failed: {run.Error}",
        EvaluationRunPhase.RetryScheduled => $"{run.Key}: retrying after: {run.Error}",
        EvaluationRunPhase.Cancelled => $"{run.Key}: cancelled",
        _ => null,
    };
}
