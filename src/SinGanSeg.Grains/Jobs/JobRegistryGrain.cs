using Orleans.Storage;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Jobs;

/// <summary>
/// The job list's index (key 0): which page takes new jobs. The listings themselves live in
/// <see cref="JobRegistryPageGrain"/>s of RegistryPageSize entries, so a service that ran 100 000
/// jobs keeps 100 small grain states instead of one entity past Azure Table's 1 MB limit.
/// Pages fill in registration order; listing walks them from the newest page back.
/// </summary>
public sealed class JobRegistryGrain(
    [PersistentState("jobs", StorageNames.Grains)] IPersistentState<JobRegistryState> state,
    SinGanSegOptions options) : Grain, IJobRegistryGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A registry stored before it had pages kept every listing in its own state: move them into pages once.
        if (state.State.Jobs.Count == 0) return;
        foreach (var listing in state.State.Jobs.OrderBy(j => j.CreatedAt)) await AddToCurrentPage(listing, persistIndex: false);
        state.State.Jobs = [];
        await SaveIndex();
    }

    public Task<int> Register(JobListing listing) => AddToCurrentPage(listing, persistIndex: true);

    private async Task<int> AddToCurrentPage(JobListing listing, bool persistIndex)
    {
        while (!await GrainFactory.GetGrain<IJobRegistryPageGrain>(state.State.CurrentPage).Add(listing, options.RegistryPageSize))
        {
            state.State.CurrentPage++;
            if (persistIndex) await SaveIndex();
        }
        return state.State.CurrentPage;
    }

    /// <summary>
    /// Walks the pages from the newest back (a job is on exactly one). Deleting is rare and pages
    /// are few (100 for 100 000 jobs), so no index from job to page is kept.
    /// </summary>
    public async Task Unregister(string jobId)
    {
        for (var page = state.State.CurrentPage; page >= 0; page--)
            if (await GrainFactory.GetGrain<IJobRegistryPageGrain>(page).Remove(jobId)) return;
    }

    /// <summary>The current page only moves forward; after a lost acknowledgement the stored one may already be ahead.</summary>
    private async Task SaveIndex()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            var page = state.State.CurrentPage;
            await state.ReadStateAsync();
            state.State.CurrentPage = Math.Max(page, state.State.CurrentPage);
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// Continuation "page:skip": how many of that page's newest entries were already looked at
    /// (returned or filtered out). Pages are read from the newest back and only as far as needed.
    /// </summary>
    public async Task<JobListingPage> List(int limit, string? continuation = null, JobPhase[]? phases = null)
    {
        if (limit < 1) throw new ArgumentException("limit must be at least 1");
        var wanted = phases is { Length: > 0 } ? phases.ToHashSet() : null;
        var (page, skip) = continuation is null ? (state.State.CurrentPage, 0) : Parse(continuation);
        var jobs = new List<JobListing>(Math.Min(limit, 1000));
        for (; page >= 0; (page, skip) = (page - 1, 0))
        {
            var newestFirst = (await GrainFactory.GetGrain<IJobRegistryPageGrain>(page).Entries()).Reverse().ToList();
            for (var i = skip; i < newestFirst.Count; i++)
            {
                if (wanted is not null && !(newestFirst[i].Phase is { } phase && wanted.Contains(phase))) continue;
                jobs.Add(newestFirst[i]);
                if (jobs.Count == limit)
                    return new JobListingPage(jobs, i + 1 < newestFirst.Count ? $"{page}:{i + 1}" : page > 0 ? $"{page - 1}:0" : null);
            }
        }
        return new JobListingPage(jobs, null);
    }

    private (int Page, int Skip) Parse(string continuation)
    {
        var parts = continuation.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], out var page) && int.TryParse(parts[1], out var skip)
            && page >= 0 && page <= state.State.CurrentPage && skip >= 0)
            return (page, skip);
        throw new ArgumentException($"continuation '{continuation}' is not one this service returned; list again without it");
    }
}

[GenerateSerializer]
public sealed class JobRegistryState
{
    /// <summary>Only in state stored before the registry had pages; moved into pages on activation.</summary>
    [Id(0)] public List<JobListing> Jobs { get; set; } = [];

    /// <summary>The page new jobs go to; pages below it are full.</summary>
    [Id(1)] public int CurrentPage { get; set; }
}
