using Orleans.Serialization;
using Orleans.Storage;

namespace SinGanSeg.Grains.Common;

/// <summary>
/// The only way a coordinator changes its grain state: apply a change, store it, and keep the
/// change in memory only if the store took it. One change at a time (the grains are reentrant
/// and interleave at awaits; two writes in flight would race on the ETag).
/// </summary>
/// <remarks>
/// Why: a coordinator that changed memory first and then failed to write believed something the
/// store did not hold (an image Done, a job's manifest written) and stopped acting on it, which
/// stranded jobs. When a write fails its change is rolled back, so the caller (or the next
/// reconcile) tries again from what is stored. A failed write may still have reached the store
/// (a lost acknowledgement); the next write then meets an ETag conflict, and the helper reloads
/// what the store holds and applies that change again to it — changes are written as functions
/// of the state for this reason, and must be safe to apply to a state that already has them.
/// </remarks>
public sealed class DurableState<T>(IPersistentState<T> state, DeepCopier<T> copier) where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private T? _beforeWrite;

    /// <summary>
    /// The state as far as the store is known to hold it: while a change is being written, the
    /// state before it. For answers to callers (status, counts), which must never report a change
    /// that may still be rolled back.
    /// </summary>
    public T View => _beforeWrite ?? state.State;

    /// <summary>
    /// Applies <paramref name="change"/> (which returns false when it had nothing to change) and
    /// stores the result; returns whether anything was stored. Throws when the store refuses,
    /// with memory as it was before.
    /// </summary>
    public async Task<bool> Apply(Func<T, bool> change)
    {
        await _gate.WaitAsync();
        try
        {
            for (var conflicts = 0; ; conflicts++)
            {
                var before = copier.Copy(state.State);
                try
                {
                    if (!change(state.State)) return false;
                    _beforeWrite = before;
                    await state.WriteStateAsync();
                    return true;
                }
                catch (InconsistentStateException) when (conflicts == 0)
                {
                    // Our ETag is stale: an earlier write whose answer was lost reached the store.
                    // Take what the store holds and apply the change to that.
                    try
                    {
                        await state.ReadStateAsync();
                    }
                    catch
                    {
                        state.State = before;
                        throw;
                    }
                }
                catch
                {
                    state.State = before;
                    throw;
                }
            }
        }
        finally
        {
            _beforeWrite = null;
            _gate.Release();
        }
    }
}
