using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Common;

/// <summary>Where a piece of coordinated work stands, whatever its coordinator calls the phase.</summary>
public enum WorkStage
{
    Pending,
    Active,
    RetryScheduled,
    Done,
    Failed,
    Cancelled,
}

/// <summary>Why a piece of work failed, which decides what its coordinator does next.</summary>
public enum FailureKind
{
    /// <summary>Worth another attempt, from the work's budget.</summary>
    Transient,

    /// <summary>Bad input or settings: another attempt would fail the same way.</summary>
    Permanent,

    /// <summary>Storage, network, a silo or a timeout: retried with backoff without using up the budget.</summary>
    Infrastructure,
}

/// <summary>What a coordinator records per piece of work (an image of a job, a run of an evaluation).</summary>
public interface ITrackedWork
{
    WorkStage Stage { get; set; }

    /// <summary>The current attempt's number; outcomes of other attempts are ignored.</summary>
    int Attempts { get; set; }

    /// <summary>Attempts not counted against the budget: those before a manual retry and those lost to infrastructure.</summary>
    int RetryBase { get; set; }

    /// <summary>Infrastructure failures in a row: their backoff grows with it, their budget does not shrink.</summary>
    int InfrastructureFailures { get; set; }

    string? Error { get; set; }
    DateTimeOffset? NextAttemptAt { get; set; }
    bool Started { get; set; }
    DateTimeOffset? LastHeard { get; set; }
}

/// <summary>The numbers a tracker works with: the retry budget, backoff, silence and fan-out width.</summary>
public sealed record WorkPolicy(int MaxAttempts, TimeSpan RetryBaseDelay, TimeSpan MaxRetryDelay, TimeSpan SilentAfter, int StartConcurrency)
{
    public static WorkPolicy From(SinGanSegOptions options, int maxAttempts) =>
        new(maxAttempts, options.RetryBaseDelay, options.MaxRetryDelay, options.StaleImageAfter, options.FanOutConcurrency);
}

/// <summary>What a failure led to.</summary>
public readonly record struct FailureDecision(bool Retrying, TimeSpan Delay);

/// <summary>
/// The state machine both coordinators share: which work is due, what a start, an outcome, a
/// manual retry or a cancel does to a record, the retry arithmetic and backoff, silent work, and
/// finishing exactly once. Plain and cluster-free (the grains persist the records and make the
/// calls), so every transition is unit-tested without a silo.
/// </summary>
/// <remarks>
/// Pending → Active (started) → Done | Failed | RetryScheduled (→ Active when due) ; any open
/// stage → Cancelled. An Active record that is silent for SilentAfter, or was never marked
/// started, is due again (its silo is likely gone; starting it again is idempotent).
/// </remarks>
public sealed class WorkTracker<TRecord>(WorkPolicy policy) where TRecord : class, ITrackedWork
{
    private bool _finishing;

    public WorkPolicy Policy { get; } = policy;

    /// <summary>True while a finish runs: nothing may reopen the work meanwhile.</summary>
    public bool Finishing => _finishing;

    public static bool IsTerminal(TRecord r) => r.Stage is WorkStage.Done or WorkStage.Failed or WorkStage.Cancelled;

    public static bool AllTerminal(IEnumerable<TRecord> records) => records.All(IsTerminal);

    public bool IsDue(TRecord r, DateTimeOffset now) => r.Stage switch
    {
        WorkStage.Pending => true,
        WorkStage.RetryScheduled => r.NextAttemptAt is null || r.NextAttemptAt <= now,
        WorkStage.Active => !r.Started || r.LastHeard is null || now - r.LastHeard > Policy.SilentAfter,
        _ => false,
    };

    /// <summary>The due work with the attempt each is due for, in key order.</summary>
    public List<(string Key, int Attempt)> Due(IReadOnlyDictionary<string, TRecord> records, DateTimeOffset now) =>
        [.. records.Where(kv => IsDue(kv.Value, now)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value.Attempts))];

    /// <summary>After a reactivation: every open record counts as unheard, so the next pass touches it once (starting is idempotent).</summary>
    public static void Resumed(IEnumerable<TRecord> records)
    {
        foreach (var r in records.Where(r => !IsTerminal(r))) r.LastHeard = null;
    }

    /// <summary>The start of <paramref name="attempt"/> went through; false (no change) when the record moved on meanwhile.</summary>
    public static bool MarkStarted(TRecord r, int attempt, DateTimeOffset now)
    {
        if (IsTerminal(r) || r.Attempts != attempt) return false;
        r.Started = true;
        r.LastHeard = now;
        r.NextAttemptAt = null;
        r.Stage = WorkStage.Active;
        return true;
    }

    /// <summary>Whether an outcome of <paramref name="attempt"/> is news: the current attempt, still open and not waiting for a retry.</summary>
    public static bool Accepts(TRecord r, int attempt) => r.Attempts == attempt && r.Stage is WorkStage.Pending or WorkStage.Active;

    public static void Succeeded(TRecord r)
    {
        r.Stage = WorkStage.Done;
        r.Error = null;
        r.NextAttemptAt = null;
        r.InfrastructureFailures = 0;
    }

    /// <summary>
    /// Records a failure: another attempt after a backoff while the budget lasts (infrastructure
    /// failures do not use it up), otherwise Failed for good.
    /// </summary>
    public FailureDecision Failed(TRecord r, string? error, FailureKind kind, DateTimeOffset now)
    {
        r.Error = error;
        if (kind == FailureKind.Infrastructure)
        {
            r.InfrastructureFailures++;
            r.RetryBase++;
            return Reschedule(r, RetryDelay(r.InfrastructureFailures), now);
        }
        r.InfrastructureFailures = 0;
        if (kind == FailureKind.Permanent || AttemptsUsed(r) >= Policy.MaxAttempts)
        {
            r.Stage = WorkStage.Failed;
            r.NextAttemptAt = null;
            return new FailureDecision(false, TimeSpan.Zero);
        }
        return Reschedule(r, RetryDelay(AttemptsUsed(r)), now);
    }

    /// <summary>A manual retry of failed work: a new attempt number and the full budget again.</summary>
    public static bool Retry(TRecord r)
    {
        if (r.Stage != WorkStage.Failed) return false;
        r.RetryBase = r.Attempts;
        r.Attempts++;
        r.Stage = WorkStage.Pending;
        r.Started = false;
        r.NextAttemptAt = null;
        r.LastHeard = null;
        r.InfrastructureFailures = 0;
        return true;
    }

    /// <summary>Cancels open work; finished work keeps its result.</summary>
    public static bool Cancel(TRecord r)
    {
        if (IsTerminal(r)) return false;
        r.Stage = WorkStage.Cancelled;
        r.NextAttemptAt = null;
        return true;
    }

    /// <summary>Attempts counted against the budget so far (the current one included).</summary>
    public static int AttemptsUsed(TRecord r) => r.Attempts - r.RetryBase;

    /// <summary>Exponential backoff: the base delay after the first failure, doubling after each further one, capped.</summary>
    public TimeSpan RetryDelay(int failures)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        var delay = Policy.RetryBaseDelay * factor;
        return delay > Policy.MaxRetryDelay ? Policy.MaxRetryDelay : delay;
    }

    /// <summary>
    /// Runs <paramref name="finish"/> when every record is terminal, the work is not finished yet
    /// and no finish is under way; false when it did not run. A failed finish throws and leaves
    /// the work unfinished, so the next call runs it again (finishing must be idempotent).
    /// </summary>
    public async Task<bool> FinishIfDue(bool finished, IEnumerable<TRecord> records, Func<Task> finish)
    {
        if (finished || _finishing || !AllTerminal(records)) return false;
        _finishing = true;
        try
        {
            await finish();
            return true;
        }
        finally
        {
            _finishing = false;
        }
    }

    /// <summary>
    /// Starts the due work in parallel batches of StartConcurrency. <paramref name="start"/> returns
    /// false when it chose not to start (it re-checks the coordinator's phase first); a failed
    /// start is reported to <paramref name="failed"/> and left for the next pass.
    /// </summary>
    public async Task<List<(string Key, int Attempt)>> StartAll(IReadOnlyList<(string Key, int Attempt)> due,
        Func<string, int, Task<bool>> start, Action<string, Exception> failed)
    {
        var started = new List<(string, int)>();
        for (var i = 0; i < due.Count; i += Policy.StartConcurrency)
        {
            var batch = due.Skip(i).Take(Policy.StartConcurrency).ToList();
            var results = await Task.WhenAll(batch.Select(async d =>
            {
                try
                {
                    return await start(d.Key, d.Attempt);
                }
                catch (Exception e)
                {
                    failed(d.Key, e);
                    return false;
                }
            }));
            started.AddRange(batch.Where((_, k) => results[k]));
        }
        return started;
    }

    private static FailureDecision Reschedule(TRecord r, TimeSpan delay, DateTimeOffset now)
    {
        r.Attempts++;
        r.Stage = WorkStage.RetryScheduled;
        r.Started = false;
        r.NextAttemptAt = now + delay;
        return new FailureDecision(true, delay);
    }
}
