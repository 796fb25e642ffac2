using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// The job list's index (key 0): which page takes new jobs. The listings themselves live in
/// <see cref="JobRegistryPageGrain"/>s; paging, registering and listing are
/// <see cref="ListingRegistryGrain{TListing, TState}"/>'s, shared with the evaluation list.
/// </summary>
public sealed class JobRegistryGrain(
    [PersistentState("jobs", StorageNames.Grains)] IPersistentState<JobRegistryState> state,
    SinGanSegOptions options) : ListingRegistryGrain<JobListing, JobRegistryState>(state, options), IJobRegistryGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A registry stored before it had pages kept every listing in its own state: move them into pages once.
        if (Index.Jobs.Count == 0) return;
        foreach (var listing in Index.Jobs.OrderBy(j => j.CreatedAt)) await AddToCurrentPage(listing, persistIndex: false);
        Index.Jobs = [];
        await SaveIndex();
    }

    public async Task<JobListingPage> List(int limit, string? continuation = null, JobPhase[]? phases = null)
    {
        var wanted = phases is { Length: > 0 } ? phases.ToHashSet() : null;
        var (jobs, next) = await Walk(limit, continuation, wanted is null ? null : j => j.Phase is { } phase && wanted.Contains(phase),
            wanted is null ? ListingKeys.All : wanted.Aggregate(0L, (bits, phase) => bits | ListingKeys.Bit((int)phase)), exact: true);
        return new JobListingPage(jobs, next);
    }

    protected override string ListName => JobRegistryPageGrain.List;

    protected override Task<bool> AddToPage(int page, JobListing listing, int capacity) =>
        GrainFactory.GetGrain<IJobRegistryPageGrain>(page).Add(listing, capacity);

    protected override Task<bool> RemoveFromPage(int page, string id) => GrainFactory.GetGrain<IJobRegistryPageGrain>(page).Remove(id);

    protected override Task<IReadOnlyList<JobListing>> PageEntries(int page) => GrainFactory.GetGrain<IJobRegistryPageGrain>(page).Entries();
}

[GenerateSerializer]
public sealed class JobRegistryState : IListingIndexState
{
    /// <summary>Only in state stored before the registry had pages; moved into pages on activation.</summary>
    [Id(0)] public List<JobListing> Jobs { get; set; } = [];

    /// <summary>The page new jobs go to; pages below it are full.</summary>
    [Id(1)] public int CurrentPage { get; set; }
}
