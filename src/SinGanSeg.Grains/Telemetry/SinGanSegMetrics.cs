using System.Diagnostics.Metrics;

namespace SinGanSeg.Grains.Telemetry;

/// <summary>
/// The system's own instruments (meter "SinGanSeg"): what the storage layers write, what the
/// executor computes, and how jobs, training, generation, style transfer and scoring progress.
/// The benchmark reads some to split a job's wall time into compute and overhead; OpenTelemetry
/// exports them all (Prometheus names: dots become underscores, counters get _total).
/// </summary>
public static class SinGanSegMetrics
{
    public const string MeterName = "SinGanSeg";
    public static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> GrainStateWrites = Meter.CreateCounter<long>("singanseg.grain_state.writes", description: "grain state writes by the embedded file storage");
    public static readonly Counter<long> ArtifactWrites = Meter.CreateCounter<long>("singanseg.artifacts.writes", description: "objects written to the artifact store");
    public static readonly Counter<long> ArtifactBytes = Meter.CreateCounter<long>("singanseg.artifacts.written_bytes", "By", "bytes written to the artifact store");
    public static readonly Counter<double> ComputeSeconds = Meter.CreateCounter<double>("singanseg.executor.busy_seconds", "s", "time executor slots spent running work");

    public static readonly ObservableGauge<long> Images = Meter.CreateObservableGauge("singanseg.images", ImageStateCounts.Observe,
        description: "images of the jobs coordinated on this silo, by state");
    public static readonly Counter<long> ImagesCompleted = Meter.CreateCounter<long>("singanseg.images.completed", description: "images that ended with their samples");
    public static readonly Counter<long> ImagesFailed = Meter.CreateCounter<long>("singanseg.images.failed", description: "images that failed for good");
    public static readonly Counter<long> ImagesRetried = Meter.CreateCounter<long>("singanseg.images.retried", description: "image attempts that failed and were scheduled again");

    public static readonly Counter<long> TrainingIterations = Meter.CreateCounter<long>("singanseg.training.iterations", description: "SinGAN training iterations done (its rate is iterations per second)");
    public static readonly Histogram<double> ScaleDuration = Meter.CreateHistogram<double>("singanseg.training.scale_duration", "s", "time to train one scale, by scale index");
    public static readonly Counter<long> SamplesGenerated = Meter.CreateCounter<long>("singanseg.samples.generated", description: "synthetic image/mask pairs generated");
    public static readonly Counter<long> StyleSteps = Meter.CreateCounter<long>("singanseg.style.steps", description: "style-transfer optimisation steps (each over one batch of samples)");
    public static readonly Histogram<double> Sifid = Meter.CreateHistogram<double>("singanseg.sifid", description: "SIFID of a sample against its real image, by variant (raw, styled) and metric");

    public static readonly ObservableGauge<int> ExecutorSlots = Meter.CreateObservableGauge("singanseg.executor.slots", () => ExecutorRegistry.Observe(e => e.Slots),
        description: "executor slots (concurrent torch jobs) on this silo");
    public static readonly ObservableGauge<int> ExecutorSlotsBusy = Meter.CreateObservableGauge("singanseg.executor.slots.busy", () => ExecutorRegistry.Observe(e => e.Busy),
        description: "executor slots running work now");
    public static readonly ObservableGauge<int> ExecutorQueued = Meter.CreateObservableGauge("singanseg.executor.queued", () => ExecutorRegistry.Observe(e => e.Queued),
        description: "work items waiting for a slot");
    public static readonly ObservableGauge<int> SegmenterTrainings = Meter.CreateObservableGauge("singanseg.segmenter.trainings", () => SinGanSeg.Grains.Images.JobSegmenterGrain.Running,
        description: "mask agreement segmenters being trained on this silo now (on threads of their own, beside the executor's slots)");

    public static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
