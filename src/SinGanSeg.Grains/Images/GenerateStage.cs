using System.Diagnostics;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Generation;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// Loads the model and generates the job's samples for this image. gen_start_scale equal to the
/// model's scale count is the reference's reconstruction; anything above it is treated as that.
/// </summary>
public sealed class GenerateStage : IImageStage
{
    public string Span => SinGanSegActivity.ImageGenerate;

    public void Run(StageContext c, Activity? span)
    {
        c.Box.Update(p => p with { Phase = ImagePhase.Generating });
        c.Model ??= c.Folder.LoadModel(c.Device).WithId(c.Name);
        var generated = Generate(c, [.. Enumerable.Range(0, c.Work.SamplesPerImage)], c.Work.Seed, "samples",
            (done, _) => c.Box.Update(b => b with { Samples = done }));
        c.Samples.AddRange(generated.Select(g => g));
        span?.SetTag("samples", generated.Count);
        SinGanSegMetrics.SamplesGenerated.Add(generated.Count);
    }

    /// <summary>Samples of the loaded model (indices of one seed) as pipeline samples; gates use it to regenerate.</summary>
    public static IReadOnlyList<SampleState> Generate(StageContext c, IReadOnlyList<int> indices, long seed, string folder,
        Action<int, int>? progress = null, int tries = 1)
    {
        var model = c.Model ?? throw new InvalidOperationException("the generate stage loads the model first");
        var samples = new SampleGenerator(model)
        {
            BatchSize = c.Options.SampleBatchSize,
            GenStartScale = Math.Min(c.Work.GenStartScale, model.ScaleCount),
            Progress = progress,
        }.Generate(indices, seed, Path.Combine(c.Scratch, folder), c.Cancellation);
        return [.. samples.Select(s => new SampleState(Path.GetFileNameWithoutExtension(s.ImagePath), s.ImagePath, s.MaskPath, seed, s.Index,
            double.IsNaN(s.ForegroundFraction) ? Core.Imaging.MaskStatistics.ForegroundFraction(s.MaskPath) : s.ForegroundFraction) { Tries = tries })];
    }
}
