using Orleans.Storage;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Common;

/// <summary>What a list's index stores: the page new listings go to (pages below it are full).</summary>
public interface IListingIndexState
{
    int CurrentPage { get; set; }
}

/// <summary>
/// The index of a list kept in pages (<see cref="ListingPageGrain{TListing, TState}"/>s of
/// RegistryPageSize listings), so a service that ran 100 000 jobs or evaluations keeps 1 000 small
/// grain states (a registration or phase change rewrites one page of at most 100 listings) instead
/// of one entity past Azure Table's 1 MB limit. Pages fill in registration order; listing walks
/// them from the newest page back, skipping the pages whose mask says they hold no match
/// (<see cref="IListingMaskGrain"/>). The subclass names its page grains.
/// </summary>
public abstract class ListingRegistryGrain<TListing, TState>(IPersistentState<TState> state, SinGanSegOptions options) : Grain
    where TState : class, IListingIndexState
{
    /// <summary>The index's stored state, for a subclass's own upkeep (the job list's move of pre-page state).</summary>
    protected TState Index => state.State;

    /// <summary>The list's key in <see cref="IListingMaskGrain"/>.</summary>
    protected abstract string ListName { get; }

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
    /// Walks the pages from the newest back (a listing is on exactly one). Deleting is rare, and a
    /// job or evaluation first removes itself from the page it was told (its ListedPage), so this
    /// walk (1 000 pages for 100 000 listings) is only the fallback; no index from listing to page is kept.
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
    /// accepts (all when null) — which set a bit of <paramref name="wanted"/> in their page's mask.
    /// Only pages whose mask (<see cref="IListingMaskGrain"/>) has a wanted bit are read, so a rare
    /// key costs the pages that hold it. <paramref name="exact"/>: keep accepts every listing with a
    /// wanted bit (a phase), so a known mask alone tells whether a page holds a match; otherwise (a
    /// hashed key) a page is read to know. A continuation is returned only when a further match
    /// exists: "page" (that whole page and older ones) or "page.end" (that page's first end entries
    /// in registration order, and older pages), which new registrations do not shift.
    /// </summary>
    protected async Task<(List<TListing> Listings, string? Continuation)> Walk(int limit, string? continuation, Func<TListing, bool>? keep, long wanted, bool exact)
    {
        if (limit < 1) throw new ArgumentException("limit must be at least 1");
        var (page, end) = continuation is null ? (state.State.CurrentPage, int.MaxValue) : Parse(continuation);
        var masks = await GrainFactory.GetGrain<IListingMaskGrain>(ListName).Masks();
        var found = new List<TListing>(Math.Min(limit, 1000));
        for (; page >= 0; (page, end) = (page - 1, int.MaxValue))
        {
            var mask = page < masks.Length ? masks[page] : ListingKeys.Unknown;
            if ((mask & wanted) == 0) continue;
            if (found.Count == limit && exact && ListingKeys.IsKnown(mask)) return (found, page.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var entries = await PageEntries(page);
            for (var i = Math.Min(end, entries.Count) - 1; i >= 0; i--)
            {
                if (keep is not null && !keep(entries[i])) continue;
                if (found.Count == limit) return (found, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{page}.{i + 1}"));
                found.Add(entries[i]);
            }
        }
        return (found, null);
    }

    private (int Page, int End) Parse(string continuation)
    {
        var parts = continuation.Split('.');
        var end = int.MaxValue;
        if (parts.Length is 1 or 2 && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var page)
            && page <= state.State.CurrentPage
            && (parts.Length == 1 || int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out end)))
            return (page, end);
        throw new ArgumentException($"continuation '{continuation}' is not one this service returned; list again without it");
    }
}
