using Orleans.Storage;

namespace SinGanSeg.Grains.Common;

/// <summary>
/// One page of a list kept in pages (jobs, evaluations): up to a page's worth of listings in
/// registration order, in the page's grain state. The subclass says what a listing is keyed by and
/// where its state keeps them; the rules (listed once, registration time fixed, memory as the
/// store has it after a refused write) are here once.
/// </summary>
public abstract class ListingPageGrain<TListing, TState>(IPersistentState<TState> state) : Grain where TListing : class
{
    /// <summary>The listings as the state holds them (read afresh: a reload replaces the state object).</summary>
    protected abstract List<TListing> ListingsOf(TState state);

    protected abstract string IdOf(TListing listing);

    /// <summary><paramref name="updated"/> with the registration time of <paramref name="before"/>: it orders the list and never changes.</summary>
    protected abstract TListing KeepingCreatedAt(TListing updated, TListing before);

    private List<TListing> Listings => ListingsOf(state.State);

    public async Task<bool> Add(TListing listing, int capacity)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            // A registration repeated after a lost answer lands on the same page: listed once (and brought up to date).
            if (Listings.Any(l => IdOf(l) == IdOf(listing))) return await Update(listing);
            if (Listings.Count >= capacity) return false;
            Listings.Add(listing);
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
                Listings.RemoveAt(Listings.Count - 1);
                throw;
            }
        }
    }

    public async Task<bool> Update(TListing listing)
    {
        var index = Listings.FindIndex(l => IdOf(l) == IdOf(listing));
        if (index < 0) return false;
        var before = Listings[index];
        var updated = KeepingCreatedAt(listing, before);
        if (updated.Equals(before)) return true;
        Listings[index] = updated;
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch
        {
            Listings[index] = before;
            throw;
        }
    }

    public async Task<bool> Remove(string id)
    {
        var index = Listings.FindIndex(l => IdOf(l) == id);
        if (index < 0) return false;
        var listing = Listings[index];
        Listings.RemoveAt(index);
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch
        {
            // Not stored: keep memory as the store has it; the deletion is retried as a whole.
            Listings.Insert(index, listing);
            throw;
        }
    }

    public Task<IReadOnlyList<TListing>> Entries() => Task.FromResult<IReadOnlyList<TListing>>([.. Listings]);
}
