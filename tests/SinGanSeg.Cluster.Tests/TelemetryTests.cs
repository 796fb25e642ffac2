using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Spans and instruments as seen from this process (the in-process cluster shares its
/// ActivitySource and Meter): one trace from a stand-in API request to every engine stage,
/// across grain calls and executor threads, and the job's metrics.
/// </summary>
public class TelemetryTests(Azurite azurite) : IClassFixture<Azurite>
{
    private const string ApiSource = "SinGanSeg.Tests.Api";
    private static readonly ActivitySource Api = new(ApiSource);

    [Fact]
    public async Task A_job_is_one_trace_from_the_request_to_each_stage_and_its_metrics_count_its_work()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ApiSource || s.Name == SinGanSegActivity.SourceName || SinGanSegActivity.OrleansSources.Contains(s.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var metrics = new Measurements();
        using var meters = metrics.Listen();

        await using var cluster = await TestCluster.StartAsync(azurite, "telemetry", "cpu");
        var spec = TestCluster.Job("traced", TestCluster.Pairs(2, skip: 40), iterations: 2, samples: 1);
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
        ActivityTraceId trace;
        ActivitySpanId request;
        using (var api = Api.StartActivity("test.api"))
        {
            Assert.NotNull(api);
            (trace, request) = (api.TraceId, api.SpanId);
            await job.Submit(spec);
        }
        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(4));
        Assert.Equal(JobPhase.Completed, final.Phase);
        meters.RecordObservableInstruments();

        // An image's span ends once the job has its outcome, a moment after the job completes.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Named(spans, SinGanSegActivity.ImageRun).Count(s => Tag(s, SinGanSegActivity.JobId) == spec.JobId) < final.Total && DateTime.UtcNow < deadline)
            await Task.Delay(200);

        var mine = spans.Where(s => s.TraceId == trace).ToList();
        var byId = mine.ToDictionary(s => s.SpanId);
        var submit = Assert.Single(Named(mine, SinGanSegActivity.JobSubmit));
        Assert.Equal(spec.JobId, Tag(submit, SinGanSegActivity.JobId));
        Assert.Equal(2, submit.GetTagItem(SinGanSegActivity.JobImages));
        Assert.Contains(request, Ancestors(submit, byId)); // through the Orleans client and server spans
        var dispatch = Named(mine, SinGanSegActivity.JobDispatch).First();
        Assert.Equal(submit.SpanId, dispatch.ParentSpanId);

        foreach (var image in final.Images)
        {
            var run = Assert.Single(Named(mine, SinGanSegActivity.ImageRun), s => Tag(s, SinGanSegActivity.ImageName) == image.Name);
            Assert.Contains(dispatch.SpanId, Ancestors(run, byId));
            Assert.Equal(spec.JobId, Tag(run, SinGanSegActivity.JobId));
            Assert.Equal(1, run.GetTagItem(SinGanSegActivity.Attempt));
            Assert.NotNull(Tag(run, SinGanSegActivity.Silo));

            var stages = mine.Where(s => s.Source.Name == SinGanSegActivity.SourceName && Tag(s, SinGanSegActivity.ImageName) == image.Name).ToList();
            Assert.All(stages, s => Assert.Equal(spec.JobId, Tag(s, SinGanSegActivity.JobId)));
            var train = Assert.Single(Named(stages, SinGanSegActivity.ImageTrain));
            Assert.Equal(run.SpanId, train.ParentSpanId);
            var scales = Named(stages, SinGanSegActivity.ImageTrainScale).OrderBy(s => s.StartTimeUtc).ToList();
            Assert.Equal(image.ScaleCount, scales.Count);
            Assert.All(scales, s => Assert.Equal(train.SpanId, s.ParentSpanId));
            Assert.Equal(Enumerable.Range(0, image.ScaleCount), scales.Select(s => (int)s.GetTagItem(SinGanSegActivity.Scale)!));
            Assert.All(scales, s => Assert.Equal(2, s.GetTagItem(SinGanSegActivity.ScaleIterations)));
            var generate = Assert.Single(Named(stages, SinGanSegActivity.ImageGenerate));
            Assert.Equal(run.SpanId, generate.ParentSpanId);
            Assert.True(generate.StartTimeUtc >= scales[^1].StartTimeUtc + scales[^1].Duration);
            Assert.Equal(ActivityStatusCode.Unset, run.Status);
        }

        var scaleCount = final.Images.Sum(i => i.ScaleCount);
        Assert.Equal(2L * scaleCount, metrics.Sum("singanseg.training.iterations"));
        Assert.Equal(scaleCount, metrics.Count("singanseg.training.scale_duration"));
        Assert.Equal(2L, metrics.Sum("singanseg.samples.generated"));
        Assert.Equal(2L, metrics.Sum("singanseg.images.completed"));
        Assert.True(metrics.Last("singanseg.images", ("state", "done")) >= 2, "images done gauge");
        Assert.Equal(0L, metrics.Last("singanseg.images", ("state", "training")));
        Assert.True(metrics.Last("singanseg.executor.slots", ("device", "cpu")) >= 1, "executor slots gauge");
    }

    private static IEnumerable<Activity> Named(IEnumerable<Activity> spans, string name) => spans.Where(s => s.OperationName == name);

    private static string? Tag(Activity span, string key) => span.GetTagItem(key)?.ToString();

    private static IEnumerable<ActivitySpanId> Ancestors(Activity span, Dictionary<ActivitySpanId, Activity> byId)
    {
        for (var parent = span.ParentSpanId; parent != default; parent = byId.TryGetValue(parent, out var p) ? p.ParentSpanId : default)
            yield return parent;
    }

    /// <summary>Everything the SinGanSeg meter records while listening: sums and counts per instrument, the last value per instrument and attributes.</summary>
    private sealed class Measurements
    {
        private readonly ConcurrentDictionary<string, double> _sums = new();
        private readonly ConcurrentDictionary<string, long> _counts = new();
        private readonly ConcurrentDictionary<string, double> _last = new();

        public MeterListener Listen()
        {
            var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == SinGanSegMetrics.MeterName) l.EnableMeasurementEvents(instrument);
                },
            };
            listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
            listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
            listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
            listener.Start();
            return listener;
        }

        public double Sum(string instrument) => _sums.GetValueOrDefault(instrument);
        public long Count(string instrument) => _counts.GetValueOrDefault(instrument);
        public double Last(string instrument, (string Key, string Value) tag) => _last.GetValueOrDefault($"{instrument}|{tag.Key}={tag.Value}", -1);

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            _sums.AddOrUpdate(instrument.Name, value, (_, s) => s + value);
            _counts.AddOrUpdate(instrument.Name, 1, (_, c) => c + 1);
            foreach (var t in tags) _last[$"{instrument.Name}|{t.Key}={t.Value}"] = value;
        }
    }
}
