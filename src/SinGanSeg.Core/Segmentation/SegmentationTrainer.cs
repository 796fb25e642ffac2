using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Segmentation;

/// <summary>One epoch's numbers.</summary>
public sealed record EpochReport(int Epoch, int Epochs, double TrainLoss, double ValidationIou, bool Best, TimeSpan Elapsed);

/// <summary>What a training run leaves: the best epoch's weights, its validation IoU, the history.</summary>
public sealed record SegmentationTrainingResult(int BestEpoch, double BestValidationIou, IReadOnlyList<EpochReport> History, Dictionary<string, Tensor> BestState);

/// <summary>
/// Trains a UNet++ on one set and selects the checkpoint by validation IoU. Synchronous and
/// single-threaded by design (call it on a dedicated thread); the device is explicit.
/// </summary>
public sealed class SegmentationTrainer(Device device)
{
    public Action<EpochReport>? Progress { get; init; }

    public SegmentationTrainingResult Train(UNetPlusPlus model, SegmentationData train, SegmentationData validation,
        SegmentationTrainingConfig config, CancellationToken cancellation = default)
    {
        config.Validate();
        model.to(device);
        var generator = new Generator((ulong)config.Seed);
        var optimizer = optim.Adam(model.parameters(), lr: config.LearningRate);
        var history = new List<EpochReport>();
        Dictionary<string, Tensor>? best = null;
        var bestIou = double.NegativeInfinity;
        var bestEpoch = -1;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                cancellation.ThrowIfCancellationRequested();
                var lr = epoch >= config.DropEpoch ? config.LowLearningRate : config.LearningRate;
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                model.train();
                var order = randperm(train.Count, generator: generator).data<long>().ToArray();
                double lossSum = 0;
                var batches = 0;
                for (var start = 0; start < order.Length; start += config.BatchSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var index = tensor(order.Skip(start).Take(config.BatchSize).ToArray());
                    var images = train.Images.index_select(0, index);
                    var masks = train.Masks.index_select(0, index);
                    if (config.Augment) (images, masks) = Augmentation.Apply(images, masks, generator);
                    images = images.to(device);
                    masks = masks.to(device);
                    var outputs = model.call(images);
                    var loss = outputs.Select(o => DiceLoss.Compute(o, masks)).Aggregate((a, b) => a.add(b)).div(outputs.Length);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>();
                    batches++;
                }
                var iou = SegmentationEvaluator.Evaluate(model, validation, device).Mean.Iou;
                var isBest = iou > bestIou;
                if (isBest)
                {
                    bestIou = iou;
                    bestEpoch = epoch;
                    if (best is not null) foreach (var t in best.Values) t.Dispose();
                    best = Snapshot(model);
                }
                var report = new EpochReport(epoch + 1, config.Epochs, lossSum / batches, iou, isBest, watch.Elapsed);
                history.Add(report);
                Progress?.Invoke(report);
            }
        }
        catch
        {
            if (best is not null) foreach (var t in best.Values) t.Dispose();
            throw;
        }
        return new SegmentationTrainingResult(bestEpoch + 1, bestIou, history, best!);
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().clone());
    }
}
