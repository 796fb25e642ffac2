using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Evaluation;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>The coordinators' shared state machine, without a cluster: every transition, the retry arithmetic, backoff, silence, finishing once.</summary>
public class WorkTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly WorkPolicy Policy = new(MaxAttempts: 3, RetryBaseDelay: TimeSpan.FromSeconds(10), MaxRetryDelay: TimeSpan.FromSeconds(60),
        SilentAfter: TimeSpan.FromMinutes(5), StartConcurrency: 2);

    private static WorkTracker<ImageRecord> Tracker(int maxAttempts = 3) => new(Policy with { MaxAttempts = maxAttempts });

    private static ITrackedWork W(ImageRecord r) => r;

    [Fact]
    public void A_new_record_is_due_and_a_started_one_is_not_until_it_goes_silent()
    {
        var t = Tracker();
        var r = new ImageRecord();
        Assert.True(t.IsDue(r, T0));
        Assert.True(WorkTracker<ImageRecord>.MarkStarted(r, 1, T0));
        Assert.Equal(ImagePhase.Queued, r.Phase);
        Assert.False(t.IsDue(r, T0 + TimeSpan.FromMinutes(5)));
        Assert.True(t.IsDue(r, T0 + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1)));
        // Heard from: not silent.
        r.LastHeard = T0 + TimeSpan.FromMinutes(4);
        Assert.False(t.IsDue(r, T0 + TimeSpan.FromMinutes(6)));
        // Reactivated coordinator: every open record counts as unheard, so it is touched once.
        WorkTracker<ImageRecord>.Resumed([r]);
        Assert.True(t.IsDue(r, T0 + TimeSpan.FromMinutes(6)));
    }

    [Fact]
    public void Marking_started_keeps_a_finer_active_phase_and_ignores_a_moved_on_record()
    {
        var r = new ImageRecord { Phase = ImagePhase.Training, Started = true };
        Assert.True(WorkTracker<ImageRecord>.MarkStarted(r, 1, T0));
        Assert.Equal(ImagePhase.Training, r.Phase);
        // The attempt changed while the start was in flight (an outcome scheduled a retry): not this start's record any more.
        var moved = new ImageRecord { Phase = ImagePhase.RetryScheduled, Attempts = 2 };
        Assert.False(WorkTracker<ImageRecord>.MarkStarted(moved, 1, T0));
        Assert.Equal(ImagePhase.RetryScheduled, moved.Phase);
        var cancelled = new ImageRecord { Phase = ImagePhase.Cancelled };
        Assert.False(WorkTracker<ImageRecord>.MarkStarted(cancelled, 1, T0));
        Assert.Equal(ImagePhase.Cancelled, cancelled.Phase);
    }

    [Fact]
    public void Transient_failures_retry_with_doubling_capped_backoff_until_the_budget_is_spent()
    {
        var t = Tracker(maxAttempts: 3);
        var r = new ImageRecord();
        WorkTracker<ImageRecord>.MarkStarted(r, 1, T0);
        var first = t.Failed(r, "boom", FailureKind.Transient, T0);
        Assert.Equal(new FailureDecision(true, TimeSpan.FromSeconds(10)), first);
        Assert.Equal((ImagePhase.RetryScheduled, 2, false, "boom"), (r.Phase, r.Attempts, r.Started, r.Error));
        Assert.False(t.IsDue(r, T0 + TimeSpan.FromSeconds(9)));
        Assert.True(t.IsDue(r, T0 + TimeSpan.FromSeconds(10)));
        // An outcome of the old attempt, or any outcome while waiting for the retry, is no news.
        Assert.False(WorkTracker<ImageRecord>.Accepts(r, 1));
        Assert.False(WorkTracker<ImageRecord>.Accepts(r, 2));
        WorkTracker<ImageRecord>.MarkStarted(r, 2, T0);
        Assert.True(WorkTracker<ImageRecord>.Accepts(r, 2));
        Assert.Equal(TimeSpan.FromSeconds(20), t.Failed(r, "boom", FailureKind.Transient, T0).Delay);
        WorkTracker<ImageRecord>.MarkStarted(r, 3, T0);
        Assert.Equal(new FailureDecision(false, TimeSpan.Zero), t.Failed(r, "boom", FailureKind.Transient, T0));
        Assert.Equal((ImagePhase.Failed, 3), (r.Phase, r.Attempts));
        Assert.False(t.IsDue(r, T0 + TimeSpan.FromDays(1)));
        // Capped: 10 s · 2^9 would be far beyond the minute.
        Assert.Equal(TimeSpan.FromSeconds(60), t.RetryDelay(10));
    }

    [Fact]
    public void The_budget_comes_from_the_policy_not_a_constant()
    {
        var t = Tracker(maxAttempts: 5);
        var r = new ImageRecord();
        for (var i = 1; i <= 4; i++)
        {
            WorkTracker<ImageRecord>.MarkStarted(r, i, T0);
            Assert.True(t.Failed(r, "x", FailureKind.Transient, T0).Retrying, $"attempt {i}");
        }
        WorkTracker<ImageRecord>.MarkStarted(r, 5, T0);
        Assert.False(t.Failed(r, "x", FailureKind.Transient, T0).Retrying);
        var once = Tracker(maxAttempts: 1);
        var s = new ImageRecord();
        Assert.False(once.Failed(s, "x", FailureKind.Transient, T0).Retrying);
    }

    [Fact]
    public void Permanent_failures_fail_at_once()
    {
        var r = new ImageRecord();
        Assert.False(Tracker().Failed(r, "bad mask", FailureKind.Permanent, T0).Retrying);
        Assert.Equal((ImagePhase.Failed, 1, "bad mask"), (r.Phase, r.Attempts, r.Error));
    }

    [Fact]
    public void Infrastructure_failures_retry_for_as_long_as_they_last_without_using_the_budget()
    {
        var t = Tracker(maxAttempts: 2);
        var r = new ImageRecord();
        for (var i = 1; i <= 10; i++)
        {
            WorkTracker<ImageRecord>.MarkStarted(r, r.Attempts, T0);
            var d = t.Failed(r, "503", FailureKind.Infrastructure, T0);
            Assert.True(d.Retrying);
            Assert.Equal(t.RetryDelay(i), d.Delay);
            Assert.Equal(1, WorkTracker<ImageRecord>.AttemptsUsed(r));
        }
        Assert.Equal(11, r.Attempts);
        // The budget is whole for a real failure, and the infrastructure streak is over.
        WorkTracker<ImageRecord>.MarkStarted(r, r.Attempts, T0);
        var transient = t.Failed(r, "nan", FailureKind.Transient, T0);
        Assert.True(transient.Retrying);
        Assert.Equal(0, r.InfrastructureFailures);
        WorkTracker<ImageRecord>.MarkStarted(r, r.Attempts, T0);
        Assert.False(t.Failed(r, "nan", FailureKind.Transient, T0).Retrying);
    }

    [Fact]
    public void A_manual_retry_gives_failed_work_a_new_attempt_and_the_full_budget()
    {
        var t = Tracker(maxAttempts: 2);
        var r = new ImageRecord();
        t.Failed(r, "x", FailureKind.Transient, T0);
        WorkTracker<ImageRecord>.MarkStarted(r, 2, T0);
        t.Failed(r, "x", FailureKind.Transient, T0);
        Assert.Equal(ImagePhase.Failed, r.Phase);
        Assert.True(WorkTracker<ImageRecord>.Retry(r));
        Assert.Equal((ImagePhase.Pending, 3, 2, false), (r.Phase, r.Attempts, r.RetryBase, r.Started));
        Assert.True(t.IsDue(r, T0));
        WorkTracker<ImageRecord>.MarkStarted(r, 3, T0);
        Assert.True(t.Failed(r, "x", FailureKind.Transient, T0).Retrying);
        // Only failed work is retried.
        Assert.False(WorkTracker<ImageRecord>.Retry(new ImageRecord { Phase = ImagePhase.Done }));
        Assert.False(WorkTracker<ImageRecord>.Retry(new ImageRecord()));
    }

    [Fact]
    public void Success_and_cancel_are_terminal_and_cancel_keeps_finished_work()
    {
        var done = new ImageRecord { Error = "earlier" };
        WorkTracker<ImageRecord>.Succeeded(done);
        Assert.Equal((ImagePhase.Done, (string?)null), (done.Phase, done.Error));
        Assert.False(WorkTracker<ImageRecord>.Cancel(done));
        Assert.Equal(ImagePhase.Done, done.Phase);
        foreach (var phase in new[] { ImagePhase.Pending, ImagePhase.Queued, ImagePhase.Training, ImagePhase.RetryScheduled })
        {
            var r = new ImageRecord { Phase = phase };
            Assert.True(WorkTracker<ImageRecord>.Cancel(r));
            Assert.Equal(ImagePhase.Cancelled, r.Phase);
            Assert.False(Tracker().IsDue(r, T0 + TimeSpan.FromDays(1)));
            Assert.False(WorkTracker<ImageRecord>.Accepts(r, r.Attempts));
        }
    }

    [Fact]
    public async Task Finishing_runs_once_when_all_work_has_ended_and_again_after_a_failed_finish()
    {
        var t = Tracker();
        var records = new[] { new ImageRecord { Phase = ImagePhase.Done }, new ImageRecord { Phase = ImagePhase.Training } };
        var runs = 0;
        Assert.False(await t.FinishIfDue(false, records, () => { runs++; return Task.CompletedTask; }));
        records[1].Phase = ImagePhase.Failed;

        // A finish in progress blocks a second one (the grain is reentrant) and is visible as Finishing.
        var gate = new TaskCompletionSource();
        var first = t.FinishIfDue(false, records, async () => { runs++; await gate.Task; });
        Assert.True(t.Finishing);
        Assert.False(await t.FinishIfDue(false, records, () => { runs++; return Task.CompletedTask; }));
        gate.SetResult();
        Assert.True(await first);
        Assert.False(t.Finishing);
        Assert.Equal(1, runs);

        // Already finished: nothing.
        Assert.False(await t.FinishIfDue(true, records, () => { runs++; return Task.CompletedTask; }));
        Assert.Equal(1, runs);

        // A finish that fails leaves the work unfinished and the next call runs it again.
        var failing = Tracker();
        await Assert.ThrowsAsync<IOException>(() => failing.FinishIfDue(false, records, () => throw new IOException("503")));
        Assert.False(failing.Finishing);
        Assert.True(await failing.FinishIfDue(false, records, () => Task.CompletedTask));
    }

    [Fact]
    public async Task Starts_go_out_in_parallel_batches_and_failed_or_skipped_ones_are_not_marked()
    {
        var t = Tracker();
        var due = Enumerable.Range(0, 5).Select(i => ($"img{i}", 1)).ToList();
        var inFlight = 0;
        var widest = 0;
        var failures = new List<string>();
        var started = await t.StartAll(due, async (key, _) =>
        {
            widest = Math.Max(widest, Interlocked.Increment(ref inFlight));
            await Task.Delay(20);
            Interlocked.Decrement(ref inFlight);
            if (key == "img1") throw new TimeoutException("silo gone");
            return key != "img3";
        }, (key, _) => failures.Add(key));
        Assert.Equal(2, widest);
        Assert.Equal(["img0", "img2", "img4"], started.Select(s => s.Key));
        Assert.Equal(["img1"], failures);
    }

    [Fact]
    public void Due_lists_open_work_in_key_order_with_its_attempt()
    {
        var t = Tracker();
        var records = new Dictionary<string, ImageRecord>
        {
            ["b"] = new() { Phase = ImagePhase.RetryScheduled, Attempts = 2, NextAttemptAt = T0 },
            ["a"] = new(),
            ["c"] = new() { Phase = ImagePhase.Done },
            ["d"] = new() { Phase = ImagePhase.Training, Started = true, LastHeard = T0 },
        };
        Assert.Equal([("a", 1), ("b", 2)], t.Due(records, T0));
    }

    [Fact]
    public void Evaluation_runs_map_onto_the_same_stages()
    {
        var t = new WorkTracker<EvaluationRunRecord>(Policy);
        var r = new EvaluationRunRecord();
        Assert.True(WorkTracker<EvaluationRunRecord>.MarkStarted(r, 1, T0));
        Assert.Equal(EvaluationRunPhase.Running, r.Phase);
        Assert.True(t.Failed(r, "x", FailureKind.Transient, T0).Retrying);
        Assert.Equal(EvaluationRunPhase.RetryScheduled, r.Phase);
        WorkTracker<EvaluationRunRecord>.Succeeded(r);
        Assert.Equal(EvaluationRunPhase.Done, r.Phase);
        Assert.True(WorkTracker<EvaluationRunRecord>.AllTerminal([r]));
    }

    [Fact]
    public void Infrastructure_failures_are_told_from_failures_of_the_work()
    {
        Assert.True(FailureClassifier.IsInfrastructure(new Azure.RequestFailedException(503, "Server busy")));
        Assert.True(FailureClassifier.IsInfrastructure(new Azure.RequestFailedException(0, "no response")));
        Assert.True(FailureClassifier.IsInfrastructure(new InvalidOperationException("wrapped", new HttpRequestException("reset"))));
        Assert.True(FailureClassifier.IsInfrastructure(new TimeoutException()));
        Assert.True(FailureClassifier.IsInfrastructure(new IOException("disk")));
        Assert.False(FailureClassifier.IsInfrastructure(new Azure.RequestFailedException(404, "BlobNotFound")));
        Assert.False(FailureClassifier.IsInfrastructure(new FileNotFoundException("input")));
        Assert.False(FailureClassifier.IsInfrastructure(new InvalidOperationException("NaN loss")));
        Assert.Equal(FailureKind.Permanent, FailureClassifier.Classify(new TimeoutException(), permanent: true));
    }
}
