using System.Diagnostics;

namespace SinGanSeg.Grains.Telemetry;

/// <summary>
/// The system's spans (activity source "SinGanSeg") and the tag names they carry. Hosts add this
/// source and Orleans' own to their tracer; with no listener every StartActivity returns null and
/// costs next to nothing.
/// </summary>
public static class SinGanSegActivity
{
    public const string SourceName = "SinGanSeg";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>What Orleans' activity propagation emits grain-call spans from.</summary>
    public static readonly IReadOnlyList<string> OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public const string JobSubmit = "job.submit";
    public const string JobDispatch = "job.dispatch";
    public const string ImageRun = "image.run";
    public const string ImageTrain = "image.train";
    public const string ImageTrainScale = "image.train.scale";
    public const string ImageGenerate = "image.generate";
    public const string ImageStyle = "image.style";
    public const string ImageScore = "image.score";
    public const string EvaluationRun = "evaluation.run";

    public const string JobId = "job.id";
    public const string JobImages = "job.images";
    public const string ImageName = "image.name";
    public const string Attempt = "image.attempt";
    public const string Silo = "silo";
    public const string Scale = "scale.index";
    public const string ScaleIterations = "scale.iterations";
    public const string ScaleSeconds = "scale.duration_s";

    /// <summary>A stage span under <paramref name="parent"/>: engine stages run on executor threads, where the caller's Activity.Current is not.</summary>
    public static Activity? StartStage(string name, ActivityContext parent, string jobId, string image)
    {
        var activity = Source.StartActivity(name, ActivityKind.Internal, parent);
        activity?.SetTag(JobId, jobId);
        activity?.SetTag(ImageName, image);
        return activity;
    }

    /// <summary>Ends a span as failed; cancellation (a silo going away, a cancelled job) is not an error of the span's own.</summary>
    public static void Fail(this Activity? activity, Exception e)
    {
        if (activity is null) return;
        if (e is OperationCanceledException)
        {
            activity.SetTag("cancelled", true);
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, e.Message);
        activity.AddException(e);
    }

    /// <summary>A W3C traceparent for storing a span's identity (a job keeps its submit span's, so image spans can link to it after restarts).</summary>
    public static string? TraceParent(this Activity? activity) => activity?.Id is { } id && activity.IdFormat == ActivityIdFormat.W3C ? id : null;

    public static ActivityContext ParseTraceParent(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
}
