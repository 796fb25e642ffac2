using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Jobs;

/// <summary>The list of jobs, for the API's listing; one instance (key 0).</summary>
public sealed class JobRegistryGrain(
    [PersistentState("jobs", StorageNames.Grains)] IPersistentState<JobRegistryState> state) : Grain, IJobRegistryGrain
{
    public async Task Register(string jobId, DateTimeOffset createdAt)
    {
        if (state.State.Jobs.Any(j => j.JobId == jobId)) return;
        state.State.Jobs.Add(new JobListing(jobId, createdAt));
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<JobListing>> List() =>
        Task.FromResult<IReadOnlyList<JobListing>>([.. state.State.Jobs.OrderByDescending(j => j.CreatedAt)]);
}

[GenerateSerializer]
public sealed class JobRegistryState
{
    [Id(0)] public List<JobListing> Jobs { get; set; } = [];
}
