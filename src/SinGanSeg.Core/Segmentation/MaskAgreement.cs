using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// One sample's mask agreement: the Dice between what a segmenter trained on the job's real pairs
/// predicts on the synthetic image and the synthetic mask, the two foreground shares, and the
/// quality part (0 agrees … 1 the mask does not label its image).
/// </summary>
public sealed record MaskAgreementScore(string Name, double Dice, double PredictedForeground, double MaskForeground, double Part)
{
    /// <summary>The gate's score: 1 − Dice (0 the mask labels its image exactly … 1 not at all).</summary>
    public double Disagreement => 1 - Dice;
}

/// <summary>
/// Does a synthetic mask label its synthetic image? A plain U-Net is trained once per job on the
/// job's real pairs (<see cref="Train"/>; cache it with <see cref="Save"/>/<see cref="Load"/>), then
/// predicts each synthetic image; low Dice with the sample's own mask means the generator drew a
/// polyp where the mask has none, or the other way round — a pair that teaches a segmenter the
/// wrong thing. The segmenter has seen every real image, including each sample's source; that
/// is intended (it is a labeller, not an evaluation). Its Dice on the real pairs themselves
/// (<see cref="RealDice"/>) says how far its verdicts can be trusted. Synchronous; call it on a
/// dedicated thread.
/// </summary>
public sealed class MaskAgreement : IDisposable
{
    private readonly UNet _model;
    private readonly Device _device;

    private MaskAgreement(UNet model, MaskAgreementConfig config, Device device, double realDice)
    {
        _model = model;
        _device = device;
        Config = config;
        RealDice = realDice;
        _model.to(device);
        _model.eval();
    }

    public MaskAgreementConfig Config { get; }

    /// <summary>Mean Dice of the segmenter on the real pairs it was trained on (an upper bound of what a faithful sample scores).</summary>
    public double RealDice { get; }

    public static MaskAgreement Train(IReadOnlyList<SegmentationPair> real, MaskAgreementConfig config, Device device, CancellationToken cancellation = default)
    {
        config.Validate();
        if (real.Count == 0) throw new ArgumentException("the mask agreement segmenter needs at least one real image+mask pair");
        using var data = SegmentationData.Load(Pick(real, config.MaxRealPairs), config.ImageSize);
        var training = config.Training;
        // The initialisation; the trainer seeds its own generator for the data order.
        var model = SeededInit.Create(config.Seed, () => new UNet(training.UNet));
        try
        {
            // One validation round on the training pairs themselves: there is no held-out set to choose a checkpoint with, the last one is kept.
            var result = new SegmentationTrainer(device).Train(model, data, data, training, cancellation);
            foreach (var t in result.BestState.Values) t.Dispose();
            var realDice = SegmentationEvaluator.Evaluate(model, data, device).Mean.Dice;
            return new MaskAgreement(model, config, device, realDice);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The real pairs that train the segmenter: all of them up to <paramref name="max"/>, else
    /// <paramref name="max"/> spread evenly over the list (callers pass it in a stable order, e.g.
    /// by name), so the choice does not depend on where a job's images happen to start.
    /// </summary>
    public static IReadOnlyList<T> Pick<T>(IReadOnlyList<T> pairs, int max)
    {
        if (pairs.Count <= max) return pairs;
        return [.. Enumerable.Range(0, max).Select(i => pairs[(int)((long)i * pairs.Count / max)])];
    }

    /// <summary>Weights and the real-pair Dice in one file (an artifact a job caches).</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(Config.Fingerprint());
        writer.Write(RealDice);
        _model.save(writer);
    }

    public static MaskAgreement Load(string path, MaskAgreementConfig config, Device device)
    {
        config.Validate();
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var fingerprint = reader.ReadString();
        if (fingerprint != config.Fingerprint())
            throw new InvalidInputException(path, $"was trained with other settings ({fingerprint})", "Delete it so the segmenter is trained again with these settings.");
        var realDice = reader.ReadDouble();
        var model = GlobalRandom.Draw(() => new UNet(config.Training.UNet));
        try
        {
            model.load(reader);
            return new MaskAgreement(model, config, device, realDice);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Scores synthetic pairs (any size; resized to the segmenter's) in batches.</summary>
    public IReadOnlyList<MaskAgreementScore> Score(IReadOnlyList<SegmentationPair> pairs, int batchSize = 16)
    {
        var result = new List<MaskAgreementScore>(pairs.Count);
        for (var start = 0; start < pairs.Count; start += batchSize)
        {
            using var data = SegmentationData.Load(pairs.Skip(start).Take(batchSize).ToList(), Config.ImageSize);
            result.AddRange(Score(data));
        }
        return result;
    }

    /// <summary>Scores a loaded set (images N×3×S×S at the segmenter's size).</summary>
    public IReadOnlyList<MaskAgreementScore> Score(SegmentationData data, int batchSize = 16)
    {
        _model.eval();
        using var _ = no_grad();
        var result = new List<MaskAgreementScore>(data.Count);
        for (var start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(batchSize, data.Count - start);
            var probability = functional.softmax(_model.call(data.Images.narrow(0, start, count).to(_device))[0], 1)[.., 1].cpu().contiguous();
            var truth = data.Masks.narrow(0, start, count)[.., 0].GreaterThan(0.5).contiguous();
            var plane = (int)(probability.shape[1] * probability.shape[2]);
            var p = probability.data<float>().ToArray();
            var t = truth.data<bool>().ToArray();
            for (var i = 0; i < count; i++)
            {
                var pixels = p.AsSpan(i * plane, plane);
                var mask = t.AsSpan(i * plane, plane);
                var dice = SegmentationMetrics.Score(pixels, mask).Dice;
                var predicted = 0;
                var foreground = 0;
                for (var k = 0; k < plane; k++)
                {
                    if (pixels[k] >= SegmentationMetrics.Threshold) predicted++;
                    if (mask[k]) foreground++;
                }
                result.Add(new MaskAgreementScore(data.Names[start + i], dice, (double)predicted / plane, (double)foreground / plane, Part(dice)));
            }
        }
        return result;
    }

    /// <summary>The quality part of a Dice: 1 at or below <see cref="MaskAgreementConfig.DisagreeDice"/>, 0 at or above <see cref="MaskAgreementConfig.AgreeDice"/>.</summary>
    public double Part(double dice) => Math.Clamp((Config.AgreeDice - dice) / (Config.AgreeDice - Config.DisagreeDice), 0, 1);

    public void Dispose() => _model.Dispose();
}
