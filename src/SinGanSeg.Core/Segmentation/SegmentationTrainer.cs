using SinGanSeg.Core.Execution;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>One validation round's numbers (an epoch when training counts passes).</summary>
public sealed record EpochReport(int Epoch, int Epochs, double TrainLoss, double ValidationIou, bool Best, TimeSpan Elapsed);

/// <summary>What a training run leaves: the best round's weights, its validation IoU, the history, the gradient steps taken.</summary>
public sealed record SegmentationTrainingResult(int BestEpoch, double BestValidationIou, IReadOnlyList<EpochReport> History, Dictionary<string, Tensor> BestState, int Steps);

/// <summary>
/// Trains a segmenter (UNet++ or U-Net) on one set and selects the checkpoint by validation IoU.
/// The data is drawn in shuffled passes; training stops after the configured gradient steps (or
/// passes), validating at evenly spaced rounds. Synchronous and single-threaded by design (call
/// it on a dedicated thread); the device is explicit.
/// </summary>
public sealed class SegmentationTrainer(Device device)
{
    public Action<EpochReport>? Progress { get; init; }

    public SegmentationTrainingResult Train(Module<Tensor, Tensor[]> model, SegmentationData train, SegmentationData validation,
        SegmentationTrainingConfig config, CancellationToken cancellation = default)
    {
        config.Validate();
        model.to(device);
        var generator = new Generator((ulong)config.Seed);
        using var optimizer = new HeldAdam(model.parameters(), config.LearningRate);
        var batchesPerPass = (train.Count + config.BatchSize - 1) / config.BatchSize;
        var total = config.Steps ?? config.Epochs * batchesPerPass;
        var rounds = Math.Min(config.Epochs, total);
        var history = new List<EpochReport>();
        Dictionary<string, Tensor>? best = null;
        var bestIou = double.NegativeInfinity;
        var bestRound = -1;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long[] order = [];
        var next = 0;
        var step = 0;
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                cancellation.ThrowIfCancellationRequested();
                var lr = round >= config.DropEpoch ? config.LowLearningRate : config.LearningRate;
                optimizer.LearningRate = lr;
                model.train();
                var end = (int)((long)total * (round + 1) / rounds);
                double lossSum = 0;
                var batches = 0;
                for (; step < end; step++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (next >= order.Length)
                    {
                        order = randperm(train.Count, generator: generator).data<long>().ToArray();
                        next = 0;
                    }
                    using var scope = NewDisposeScope();
                    var index = tensor(order.Skip(next).Take(config.BatchSize).ToArray());
                    next += config.BatchSize;
                    var images = train.Images.index_select(0, index);
                    var masks = train.Masks.index_select(0, index);
                    if (config.Augment) (images, masks) = Augmentation.Apply(images, masks, generator);
                    images = images.to(device);
                    masks = masks.to(device);
                    var outputs = model.call(images);
                    var loss = outputs.Select(o => DiceLoss.Compute(o, masks)).Aggregate((a, b) => a.Plus(b)).Over(outputs.Length);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    lossSum += loss.item<float>();
                    batches++;
                }
                var iou = SegmentationEvaluator.Evaluate(model, validation, device).Mean.Iou;
                var isBest = iou > bestIou;
                if (isBest)
                {
                    bestIou = iou;
                    bestRound = round;
                    if (best is not null) foreach (var t in best.Values) t.Dispose();
                    best = Snapshot(model);
                }
                var report = new EpochReport(round + 1, rounds, lossSum / Math.Max(1, batches), iou, isBest, watch.Elapsed);
                history.Add(report);
                Progress?.Invoke(report);
            }
        }
        catch
        {
            if (best is not null) foreach (var t in best.Values) t.Dispose();
            throw;
        }
        return new SegmentationTrainingResult(bestRound + 1, bestIou, history, best!, step);
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().clone());
    }
}
