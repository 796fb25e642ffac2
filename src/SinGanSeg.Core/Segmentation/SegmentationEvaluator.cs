using SinGanSeg.Core.Execution;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>Per-image scores of a set and their mean.</summary>
public sealed record SegmentationEvaluation(IReadOnlyList<(string Name, SegmentationScores Scores)> PerImage)
{
    public SegmentationScores Mean => SegmentationScores.Mean(PerImage.Select(p => p.Scores).ToList());
}

/// <summary>Runs a model over a set in eval mode and scores each image at threshold 0.5 on the polyp probability.</summary>
public static class SegmentationEvaluator
{
    public static SegmentationEvaluation Evaluate(Module<Tensor, Tensor[]> model, SegmentationData data, Device device, int batchSize = 16)
    {
        model.eval();
        using var _ = no_grad();
        var result = new List<(string, SegmentationScores)>(data.Count);
        for (var start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(batchSize, data.Count - start);
            var images = data.Images.narrow(0, start, count).to(device);
            var probability = functional.softmax(model.call(images)[^1], 1)[.., 1].cpu().contiguous();
            var truth = data.Masks.narrow(0, start, count)[.., 0].GreaterThan(0.5).contiguous();
            var plane = (int)(probability.shape[1] * probability.shape[2]);
            var p = probability.data<float>().ToArray();
            var t = truth.data<bool>().ToArray();
            for (var i = 0; i < count; i++)
                result.Add((data.Names[start + i], SegmentationMetrics.Score(p.AsSpan(i * plane, plane), t.AsSpan(i * plane, plane))));
        }
        return new SegmentationEvaluation(result);
    }
}
