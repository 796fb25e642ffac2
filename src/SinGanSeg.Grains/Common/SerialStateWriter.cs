namespace SinGanSeg.Grains.Common;

/// <summary>
/// Serialises writes of a reentrant grain's state: callbacks interleave at awaits, and two
/// concurrent WriteStateAsync calls would race on the ETag.
/// </summary>
public sealed class SerialStateWriter<T>(IPersistentState<T> state)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task Save()
    {
        await _gate.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _gate.Release();
        }
    }
}
