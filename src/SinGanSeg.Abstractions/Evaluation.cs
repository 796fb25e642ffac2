using Orleans.Concurrency;

namespace SinGanSeg.Abstractions;

/// <summary>
/// How the segmenters are trained and the real images are split; null lists mean the defaults
/// (no small-data curve; decoder 256, 128, 64, 32, 16; models: UNet++ only; U-Net widths 32 … 512).
/// Models: "unetpp" (ImageNet ResNet18 encoder) and/or "unet" (plain U-Net from scratch), each
/// trained on the same folds and sets. Every run takes the same number of gradient steps:
/// <see cref="Steps"/> if given, else <see cref="Epochs"/> passes over the largest training set
/// of the evaluation; <see cref="Epochs"/> is also the number of validation rounds.
/// <see cref="MixRealShare"/> (e.g. 0.5) adds balanced real+synthetic sets in which the real
/// training pairs are repeated to make up at least that share. <see cref="Sets"/> keeps only the
/// named training sets (families, e.g. "real", "synthetic-raw"; "real" always among them); null
/// trains every set the other settings produce. Each kept run trains exactly as it would in the
/// evaluation of every set (same split, initial weights and gradient steps).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationSettings(
    [property: Id(0)] int Folds = 3,
    [property: Id(1)] int Epochs = 50,
    [property: Id(2)] int ImageSize = 128,
    [property: Id(3)] int BatchSize = 8,
    [property: Id(4)] int? LearningRateDropEpoch = null,
    [property: Id(5)] IReadOnlyList<int>? SmallDataSizes = null,
    [property: Id(6)] bool Mixed = true,
    [property: Id(7)] long Seed = 1,
    [property: Id(8)] IReadOnlyList<int>? DecoderChannels = null,
    [property: Id(9)] bool DeepSupervision = false,
    [property: Id(10)] double LearningRate = 1e-4,
    [property: Id(11)] IReadOnlyList<string>? Models = null,
    [property: Id(12)] int? Steps = null,
    [property: Id(13)] IReadOnlyList<int>? UNetWidths = null,
    [property: Id(14)] double? MixRealShare = null,
    [property: Id(15)] IReadOnlyList<string>? Sets = null)
{
    // The later fields only when set, so an evaluation submitted before they existed keeps its fingerprint.
    public override string ToString() =>
        $"{Folds}|{Epochs}|{ImageSize}|{BatchSize}|{LearningRateDropEpoch}|{string.Join(",", SmallDataSizes ?? [])}|{Mixed}|{Seed}|{string.Join(",", DecoderChannels ?? [])}|{DeepSupervision}|{LearningRate:R}"
        + (Models is null ? "" : $"|models={string.Join(",", Models)}")
        + (Steps is null ? "" : $"|steps={Steps}")
        + (UNetWidths is null ? "" : $"|unet={string.Join(",", UNetWidths)}")
        + (MixRealShare is null ? "" : FormattableString.Invariant($"|mixreal={MixRealShare:R}"))
        + (Sets is null ? "" : $"|sets={string.Join(",", Sets)}");
}

/// <summary>A synthetic pair for evaluation: refs as for images (file:/// or artifact:), the real image it came from, its restyled image if any.</summary>
[GenerateSerializer, Immutable]
public sealed record SyntheticInput(
    [property: Id(0)] string Name,
    [property: Id(1)] string ImageRef,
    [property: Id(2)] string MaskRef,
    [property: Id(3)] string Source,
    [property: Id(4)] string? StyledRef = null);

/// <summary>
/// An evaluation: real pairs, the synthetic pairs made from them, the settings, and optionally a
/// fixed real test set (otherwise each fold tests on its own held-out real images). The client picks the id.
/// JobId names the job whose dataset is evaluated: that job is told the results when the evaluation
/// finishes, so its dataset card carries them (not part of the fingerprint: it says who to tell, not what to run).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationSpec(
    [property: Id(0)] string EvaluationId,
    [property: Id(1)] IReadOnlyList<ImageInput> Real,
    [property: Id(2)] IReadOnlyList<SyntheticInput> Synthetic,
    [property: Id(3)] EvaluationSettings Settings,
    [property: Id(4)] IReadOnlyList<ImageInput>? Test = null,
    [property: Id(5)] int MaxAttempts = 3,
    [property: Id(6)] string? JobId = null)
{
    public string Fingerprint()
    {
        var text = string.Join("\n", Real.Select(i => $"{i.Name}\t{i.ImageRef}\t{i.MaskRef}")) + "\n--\n"
            + string.Join("\n", Synthetic.Select(s => $"{s.Name}\t{s.ImageRef}\t{s.MaskRef}\t{s.Source}\t{s.StyledRef}")) + $"\n{Settings}"
            + (Test is null ? "" : "\n--test\n" + string.Join("\n", Test.Select(i => $"{i.Name}\t{i.ImageRef}\t{i.MaskRef}")));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
    }
}

public enum EvaluationPhase
{
    Accepted,
    Running,
    Completed,
    CompletedWithErrors,

    /// <summary>Stopped by a user (POST /api/evaluations/{id}/cancel); finished runs keep their scores, no report is written.</summary>
    Cancelled,
}

public enum EvaluationRunPhase
{
    Pending,
    Running,
    Done,
    Failed,
    RetryScheduled,
    Cancelled,
}

/// <summary>One segmenter training of an evaluation (a model, a fold and a training set).</summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationRunStatus(
    [property: Id(0)] string Key,
    [property: Id(1)] EvaluationRunPhase Phase,
    [property: Id(2)] int Epoch = 0,
    [property: Id(3)] int Epochs = 0,
    [property: Id(4)] double? ValidationIou = null,
    [property: Id(5)] double? TestDice = null,
    [property: Id(6)] double? TestIou = null,
    [property: Id(7)] string? Error = null,
    [property: Id(8)] int Attempts = 1)
{
    public bool IsTerminal => Phase is EvaluationRunPhase.Done or EvaluationRunPhase.Failed or EvaluationRunPhase.Cancelled;
}

/// <summary>Mean ± std over folds of one model's test scores on a training set.</summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationSetScores(
    [property: Id(0)] string Set,
    [property: Id(1)] double Dice,
    [property: Id(2)] double DiceStd,
    [property: Id(3)] double Iou,
    [property: Id(4)] double IouStd,
    [property: Id(5)] double Precision,
    [property: Id(6)] double Recall,
    [property: Id(7)] double Accuracy,
    [property: Id(8)] int Folds,
    [property: Id(9)] string Model = "unetpp");

/// <summary>An evaluation's report: runs, and once finished the per-set summary and where report.md/json and the charts are.</summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationStatus(
    [property: Id(0)] string EvaluationId,
    [property: Id(1)] EvaluationPhase Phase,
    [property: Id(2)] IReadOnlyList<EvaluationRunStatus> Runs,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset? FinishedAt = null,
    [property: Id(5)] string? ReportPrefix = null,
    [property: Id(6)] IReadOnlyList<EvaluationSetScores>? Summary = null,
    [property: Id(7)] string? Error = null)
{
    public bool IsFinished => Phase is EvaluationPhase.Completed or EvaluationPhase.CompletedWithErrors or EvaluationPhase.Cancelled;
}

/// <summary>One evaluation (key: its id): plans the runs, fans them out, retries, writes the report.</summary>
public interface IEvaluationCoordinatorGrain : IGrainWithStringKey
{
    Task<EvaluationStatus> Submit(EvaluationSpec spec);

    Task<EvaluationStatus> GetStatus();

    /// <summary>
    /// Stops the runs that have not ended; finished runs keep their scores. A finished evaluation
    /// is returned as it is, so repeating the call is harmless.
    /// </summary>
    Task<EvaluationStatus> Cancel();

    [OneWay]
    Task ReportProgress(string runKey, int attempt, int epoch, int epochs, double validationIou);

    /// <summary>
    /// A run ended; its full result (when it succeeded) is already in the artifact store.
    /// permanent: bad input, not worth another attempt; infrastructure: storage, network or a
    /// timeout, retried without using up the run's attempts.
    /// </summary>
    Task RunFinished(string runKey, int attempt, bool succeeded, string? error, bool permanent, bool infrastructure = false);

    /// <summary>Part of deleting its job: stops the runs, removes the evaluation's artifacts and clears its state.</summary>
    Task Delete();
}

/// <summary>One segmenter training ("{evaluationId}/{runKey}") on an accelerator silo.</summary>
public interface IEvaluationRunGrain : IGrainWithStringKey
{
    /// <summary>Starts the run unless this attempt is already running here; returns at once.</summary>
    Task Start(string evaluationId, string runKey, int attempt);

    /// <summary>Stops the run (bounded wait) so it writes nothing after its evaluation is deleted.</summary>
    Task Stop();
}
