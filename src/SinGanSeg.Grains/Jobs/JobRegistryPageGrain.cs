using Orleans.Storage;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Jobs;

/// <summary>One page of the job list (key: its number): up to a page's worth of listings in registration order.</summary>
public sealed class JobRegistryPageGrain(
    [PersistentState("jobs-page", StorageNames.Grains)] IPersistentState<JobRegistryPageState> state) : Grain, IJobRegistryPageGrain
{
    public async Task<bool> Add(JobListing listing, int capacity)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            // A registration repeated after a lost answer lands on the same page: listed once (and brought up to date).
            if (state.State.Jobs.Any(j => j.JobId == listing.JobId)) return await Update(listing);
            if (state.State.Jobs.Count >= capacity) return false;
            state.State.Jobs.Add(listing);
            try
            {
                await state.WriteStateAsync();
                return true;
            }
            catch (InconsistentStateException) when (conflicts == 0)
            {
                // An earlier write whose answer was lost reached the store: start again from what it holds.
                await state.ReadStateAsync();
            }
            catch
            {
                state.State.Jobs.RemoveAt(state.State.Jobs.Count - 1);
                throw;
            }
        }
    }

    public async Task<bool> Update(JobListing listing)
    {
        var index = state.State.Jobs.FindIndex(j => j.JobId == listing.JobId);
        if (index < 0) return false;
        var before = state.State.Jobs[index];
        // The registration time orders the list and never changes.
        var updated = listing with { CreatedAt = before.CreatedAt };
        if (updated == before) return true;
        state.State.Jobs[index] = updated;
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch
        {
            state.State.Jobs[index] = before;
            throw;
        }
    }

    public async Task<bool> Remove(string jobId)
    {
        var index = state.State.Jobs.FindIndex(j => j.JobId == jobId);
        if (index < 0) return false;
        var listing = state.State.Jobs[index];
        state.State.Jobs.RemoveAt(index);
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch
        {
            // Not stored: keep memory as the store has it; the deletion is retried as a whole.
            state.State.Jobs.Insert(index, listing);
            throw;
        }
    }

    public Task<IReadOnlyList<JobListing>> Entries() => Task.FromResult<IReadOnlyList<JobListing>>([.. state.State.Jobs]);
}

[GenerateSerializer]
public sealed class JobRegistryPageState
{
    [Id(0)] public List<JobListing> Jobs { get; set; } = [];
}
