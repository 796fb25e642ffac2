using Orleans.Storage;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Common;

/// <summary>What a list's index stores: the page new listings go to (pages below it are full).</summary>
public interface IListingIndexState
{
    int CurrentPage { get; set; }
}

/// <summary>
/// The index of a list kept in pages (<see cref="ListingPageGrain{TListing, TState}"/>s of
/// RegistryPageSize listings), so a service that ran 100 000 jobs or evaluations keeps 100 small
/// grain states instead of one entity past Azure Table's 1 MB limit. Pages fill in registration
/// order; listing walks them from the newest page back. The subclass names its page grains.
/// </summary>
public abstract class ListingRegistryGrain<TListing, TState>(IPersistentState<TState> state, SinGanSegOptions options) : Grain
    where TState : class, IListingIndexState
{
    /// <summary>The index's stored state, for a subclass's own upkeep (the job list's move of pre-page state).</summary>
    protected TState Index => state.State;

    protected abstract Task<bool> AddToPage(int page, TListing listing, int capacity);

    protected abstract Task<bool> RemoveFromPage(int page, string id);

    protected abstract Task<IReadOnlyList<TListing>> PageEntries(int page);

    public Task<int> Register(TListing listing) => AddToCurrentPage(listing, persistIndex: true);

    protected async Task<int> AddToCurrentPage(TListing listing, bool persistIndex)
    {
        while (!await AddToPage(state.State.CurrentPage, listing, options.RegistryPageSize))
        {
            state.State.CurrentPage++;
            if (persistIndex) await SaveIndex();
        }
        return state.State.CurrentPage;
    }

    /// <summary>
    /// Walks the pages from the newest back (a listing is on exactly one). Deleting is rare and
    /// pages are few (100 for 100 000 listings), so no index from listing to page is kept.
    /// </summary>
    public async Task Unregister(string id)
    {
        for (var page = state.State.CurrentPage; page >= 0; page--)
            if (await RemoveFromPage(page, id)) return;
    }

    /// <summary>The current page only moves forward; after a lost acknowledgement the stored one may already be ahead.</summary>
    protected async Task SaveIndex()
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
    /// Newest first, at most <paramref name="limit"/> of the listings <paramref name="keep"/>
    /// accepts (all when null). Continuation "page:skip": how many of that page's newest entries
    /// were already looked at (returned or filtered out). Pages are read only as far as needed.
    /// </summary>
    protected async Task<(List<TListing> Listings, string? Continuation)> Walk(int limit, string? continuation, Func<TListing, bool>? keep)
    {
        if (limit < 1) throw new ArgumentException("limit must be at least 1");
        var (page, skip) = continuation is null ? (state.State.CurrentPage, 0) : Parse(continuation);
        var found = new List<TListing>(Math.Min(limit, 1000));
        for (; page >= 0; (page, skip) = (page - 1, 0))
        {
            var newestFirst = (await PageEntries(page)).Reverse().ToList();
            for (var i = skip; i < newestFirst.Count; i++)
            {
                if (keep is not null && !keep(newestFirst[i])) continue;
                found.Add(newestFirst[i]);
                if (found.Count == limit)
                    return (found, i + 1 < newestFirst.Count ? $"{page}:{i + 1}" : page > 0 ? $"{page - 1}:0" : null);
            }
        }
        return (found, null);
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
