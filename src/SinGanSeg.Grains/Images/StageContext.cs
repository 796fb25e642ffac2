using System.Diagnostics;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Pyramid;
using SinGanSeg.Core.Training;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Storage;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// What one image's stages share: the work item and the silo's services, the resolved inputs and
/// model, and the samples as they move through the stages (kept, regenerated, dropped). Owns the
/// loaded model: the pipeline disposes the context when the stages are done.
/// </summary>
public sealed class StageContext(ImageWork work, string scratch, ProgressBox box, IArtifactStore store, SinGanSegOptions options,
    Device device, ILogger logger, CancellationToken cancellation) : IDisposable
{
    public ImageWork Work { get; } = work;
    public string Scratch { get; } = scratch;
    public ProgressBox Box { get; } = box;
    public IArtifactStore Store { get; } = store;
    public SinGanSegOptions Options { get; } = options;
    public Device Device { get; } = device;
    public ILogger Logger { get; } = logger;
    public CancellationToken Cancellation { get; } = cancellation;
    public string Name => Work.Input.Name;

    public required string ImagePath { get; init; }
    public required string MaskPath { get; init; }
    public required ImagePair Pair { get; init; }
    public required SinGanConfig Config { get; init; }
    public required PyramidGeometry Geometry { get; init; }
    public required string ModelKey { get; init; }
    public required ModelFolder Folder { get; init; }
    public required bool FromCache { get; init; }

    /// <summary>This image's hold on its model key (one writer per key); released with the context.</summary>
    public required ModelCheckout Checkout { get; init; }

    /// <summary>The silo's grains, for a stage that asks another grain (null in a pipeline run without a silo).</summary>
    public IGrainFactory? Grains { get; init; }

    /// <summary>Loaded once by the generate stage, reused by a gate that regenerates.</summary>
    public SinGanModel? Model { get; set; }

    /// <summary>The samples that will be published, in index order.</summary>
    public List<SampleState> Samples { get; } = [];

    /// <summary>Samples a gate removed; stored apart from the dataset.</summary>
    public List<SampleState> Dropped { get; } = [];

    /// <summary>Samples replaced by a regeneration (counted, not stored), by the gate that asked for it.</summary>
    public Dictionary<string, int> RegeneratedBy { get; } = new(StringComparer.Ordinal);

    /// <summary>Samples replaced by a regeneration, over all gates.</summary>
    public int Regenerated => RegeneratedBy.Values.Sum();

    /// <summary>Raw sample name → local path of its restyled image (style stage).</summary>
    public IReadOnlyDictionary<string, string> Styled { get; set; } = new Dictionary<string, string>();

    /// <summary>Raw sample name → SIFID scores (score stage).</summary>
    public IReadOnlyDictionary<string, ScoreStage.Scores> Scores { get; set; } = new Dictionary<string, ScoreStage.Scores>();

    /// <summary>The published outcome (publish stage).</summary>
    public ImageOutcome? Outcome { get; set; }

    public void Dispose()
    {
        Model?.Dispose();
        Checkout.Dispose();
    }
}

/// <summary>One generated pair on its way through the stages, with what the gates said about it.</summary>
public sealed class SampleState(string name, string imagePath, string maskPath, long seed, int index, double foreground)
{
    public string Name { get; } = name;
    public string ImagePath { get; } = imagePath;
    public string MaskPath { get; } = maskPath;
    public long Seed { get; } = seed;
    public int Index { get; } = index;
    public double Foreground { get; } = foreground;

    /// <summary>1 for the first seed; each regeneration adds one.</summary>
    public int Tries { get; init; } = 1;

    /// <summary>Every gate's verdict, in the gates' order (the gate stage).</summary>
    public GateVerdict[]? Verdicts { get; set; }

    /// <summary>Raw SIFID against the real image and its metric, once a gate computed it; the score stage reuses it.</summary>
    public double? Sifid { get; set; }
    public string? SifidMetric { get; set; }

    public string? DroppedBy { get; set; }
}

/// <summary>
/// A stage of an image's pipeline: its span name, whether the job asks for it, and its work on the
/// shared context. The pipeline runs the registered stages in order, each inside its span.
/// </summary>
public interface IImageStage
{
    string Span { get; }

    bool Applies(StageContext context) => true;

    void Run(StageContext context, Activity? span);
}
