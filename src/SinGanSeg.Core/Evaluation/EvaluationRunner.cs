using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Segmentation;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Evaluation;

/// <summary>
/// Runs one <see cref="EvaluationRun"/>: loads its sets at the training size, trains a fresh
/// model of the run's kind (UNet++ with the ImageNet ResNet18 encoder, or the plain U-Net from
/// scratch) for the configured gradient steps, keeps the best validation checkpoint and scores
/// the real test images with it. Synchronous; call it on a dedicated thread.
/// </summary>
public sealed class EvaluationRunner(SegmentationTrainingConfig config, Device device, string? encoderWeights = null)
{
    public Action<EpochReport>? Progress { get; init; }

    public EvaluationResult Run(EvaluationRun run, CancellationToken cancellation = default)
    {
        config.Validate();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var train = SegmentationData.Load(run.Train, config.ImageSize);
        using var validation = SegmentationData.Load(run.Validation, config.ImageSize);
        using var test = SegmentationData.Load(run.Test, config.ImageSize);
        // One seed per fold for the initial weights and the data order: every set of a fold starts
        // from the same weights, so the paired differences between sets are not the initialisation's.
        var seed = config.Seed + run.Fold;
        using var model = SeededInit.Create(seed, () => SegmentationModels.Create(run.Model, config, encoderWeights));
        var result = new SegmentationTrainer(device) { Progress = Progress }.Train(model, train, validation, config with { Seed = seed }, cancellation);
        try
        {
            using (no_grad())
                foreach (var (name, tensor) in model.state_dict()) tensor.copy_(result.BestState[name]);
            var scores = SegmentationEvaluator.Evaluate(model, test, device).Mean;
            return new EvaluationResult(run.Key, run.Fold, run.Set, run.RealImages, run.Train.Count, run.Validation.Count, run.Test.Count,
                result.BestEpoch, result.BestValidationIou, scores, watch.Elapsed.TotalSeconds, run.Model, result.Steps, HostDescription.Current);
        }
        finally
        {
            foreach (var t in result.BestState.Values) t.Dispose();
        }
    }
}
