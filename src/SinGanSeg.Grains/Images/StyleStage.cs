using Microsoft.Extensions.Logging;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Style;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Telemetry;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// Restyles an image's samples with its real image as the style, a batch at a time. A batch
/// whose outputs are all in the store is skipped; an unfinished one resumes from its uploaded
/// optimiser state, which is saved every steps/batch steps — so a lost silo redoes at most one
/// sample's worth of optimisation.
/// </summary>
public sealed class StyleStage(IArtifactStore store, SinGanSegOptions options, Device device, ILogger logger) : IImageStage
{
    public const string Suffix = "_styled";

    public string Span => SinGanSegActivity.ImageStyle;

    public bool Applies(StageContext c) => c.Work.Style is not null && c.Samples.Count > 0;

    public void Run(StageContext c, System.Diagnostics.Activity? span) =>
        c.Styled = Run(c.Work, c.Work.Style!, c.ImagePath, [.. c.Samples.Select(s => (s.Name, s.ImagePath))], c.Scratch, c.Box, c.Cancellation);

    /// <returns>Raw sample name → local path of its restyled image.</returns>
    public IReadOnlyDictionary<string, string> Run(ImageWork work, StyleOptions style, string realImagePath,
        IReadOnlyList<(string Name, string Path)> samples, string scratch, ProgressBox box, CancellationToken cancellation)
    {
        var config = new StyleTransferConfig
        {
            Steps = style.Steps,
            Ratio = StyleWeightRatio.Parse(style.Ratio),
            MaxBatch = Math.Max(1, options.StyleBatchSize),
        };
        var outDir = Path.Combine(scratch, "styled");
        Directory.CreateDirectory(outDir);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var batches = samples.Chunk(config.MaxBatch).ToList();
        box.Update(p => p with { Phase = ImagePhase.Styling, Styled = 0, Iteration = 0, Iterations = config.Steps, EtaSeconds = 0 });
        IStyleNetwork? network = null;
        RgbImage? real = null;
        var loader = new ImagePairLoader(options.ImageLimits);
        try
        {
            for (var b = 0; b < batches.Count; b++)
            {
                cancellation.ThrowIfCancellationRequested();
                var batch = batches[b];
                var targets = batch.Select(s => (s.Name, Local: Path.Combine(outDir, s.Name + Suffix + ".png"), Key: ModelKeys.SampleImage(work.JobId, s.Name + Suffix))).ToList();
                if (targets.All(t => store.GetFileAsync(t.Key, t.Local, cancellation).GetAwaiter().GetResult()))
                {
                    foreach (var t in targets) result[t.Name] = t.Local;
                    box.Update(p => p with { Styled = result.Count });
                    continue;
                }
                network ??= CreateNetwork(style.Network);
                real ??= loader.LoadRgb(realImagePath);
                var stateKey = ModelKeys.StyleState(work.JobId, work.Input.Name, b);
                var stateFile = Path.Combine(outDir, $"batch-{b}.pth");
                var resumed = store.GetFileAsync(stateKey, stateFile, cancellation).GetAwaiter().GetResult();
                logger.LogInformation("{Image}: style transfer batch {Batch}/{Count} ({Samples} samples, {Network}, {Ratio}){Resumed}",
                    work.Input.Name, b + 1, batches.Count, batch.Length, network.Name, style.Ratio, resumed ? " resuming from its checkpoint" : "");
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var startStep = -1;
                var countedStep = -1;
                var images = new StyleTransferRunner(network, config, device).Run(
                    real,
                    batch.Select(s => loader.LoadRgb(s.Path)).ToList(),
                    stateFile,
                    p =>
                    {
                        if (startStep < 0) startStep = countedStep = p.Step - 1;
                        if (p.Step > countedStep) SinGanSegMetrics.StyleSteps.Add(p.Step - countedStep);
                        countedStep = Math.Max(countedStep, p.Step);
                        var rate = (p.Step - startStep) / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
                        box.Update(x => x with
                        {
                            Iteration = p.Step,
                            Iterations = p.Steps,
                            IterationsPerSecond = rate,
                            EtaSeconds = ((p.Steps - p.Step) + (batches.Count - b - 1) * (double)p.Steps) / Math.Max(rate, 1e-9),
                        });
                    },
                    cancellation,
                    saved => store.PutFileAsync(stateKey, saved, cancellation).GetAwaiter().GetResult());
                for (var i = 0; i < images.Count; i++)
                {
                    var t = targets[i];
                    SampleImageWriter.WriteRgb(t.Local, images[i].Height, images[i].Width, images[i].Rgb);
                    store.PutFileAsync(t.Key, t.Local, cancellation).GetAwaiter().GetResult();
                    result[t.Name] = t.Local;
                }
                store.DeleteAsync(stateKey, cancellation).GetAwaiter().GetResult();
                box.Update(p => p with { Styled = result.Count });
            }
        }
        finally
        {
            network?.Dispose();
        }
        return result;
    }

    private IStyleNetwork CreateNetwork(string name)
    {
        var file = options.Weights.ForStyleNetwork(name);
        if (file is null && name != "resnet18")
        {
            var key = name == "vgg16" ? "Vgg16" : "Vgg19";
            throw new ArgumentException($"style network {name} needs ImageNet weights on the silos and none are configured: set SinGanSeg:Weights:{key} " +
                $"(Helm value weights.{name}) to torchvision's {name} .pth file, or use resnet18, whose weights ship with SinGanSeg");
        }
        try
        {
            return StyleNetworks.Create(name, options.Weights.ForStyleNetwork(name), device);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            // A silo's weight file is configuration: retrying the image cannot fix it.
            throw new ArgumentException($"style network {name}: {e.Message} (check the silo's SinGanSeg:Weights configuration)", e);
        }
    }
}
