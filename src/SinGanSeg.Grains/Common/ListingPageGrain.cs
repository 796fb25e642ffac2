using Orleans.Storage;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Common;

/// <summary>
/// One page of a list kept in pages (jobs, evaluations): up to a page's worth of listings in
/// registration order, in the page's grain state. The subclass says what a listing is keyed by,
/// which mask bits it sets and where its state keeps them; the rules (listed once, registration
/// time fixed, memory as the store has it after a refused write, the page's mask in
/// <see cref="IListingMaskGrain"/> never missing a bit of what is stored) are here once.
/// </summary>
public abstract class ListingPageGrain<TListing, TState>(IPersistentState<TState> state) : Grain where TListing : class
{
    /// <summary>The mask last given to the list's mask grain (-1: none since activation).</summary>
    private long _reported = ListingKeys.Unknown;

    /// <summary>The list's key in <see cref="IListingMaskGrain"/>.</summary>
    protected abstract string ListName { get; }

    /// <summary>The listings as the state holds them (read afresh: a reload replaces the state object).</summary>
    protected abstract List<TListing> ListingsOf(TState state);

    protected abstract string IdOf(TListing listing);

    /// <summary>The mask bits of the listing (<see cref="ListingKeys"/>): at least one.</summary>
    protected abstract long KeysOf(TListing listing);

    /// <summary><paramref name="updated"/> with the registration time of <paramref name="before"/>: it orders the list and never changes.</summary>
    protected abstract TListing KeepingCreatedAt(TListing updated, TListing before);

    private List<TListing> Listings => ListingsOf(state.State);

    private IListingMaskGrain MaskGrain => GrainFactory.GetGrain<IListingMaskGrain>(ListName);

    private int Page => checked((int)this.GetPrimaryKeyLong());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Pages stored before there were masks (and masks left wider by a failed call) get their exact mask.
        if (Listings.Count == 0) return;
        try
        {
            await Report();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Only an optimisation: the stored mask already covers the page (or is unknown, and the page is read).
        }
    }

    public async Task<bool> Add(TListing listing, int capacity)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            // A registration repeated after a lost answer lands on the same page: listed once (and brought up to date).
            if (Listings.Any(l => IdOf(l) == IdOf(listing))) return await Update(listing);
            if (Listings.Count >= capacity) return false;
            await Widen(KeysOf(listing));
            Listings.Add(listing);
            try
            {
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException) when (conflicts == 0)
            {
                // An earlier write whose answer was lost reached the store: start again from what it holds.
                await state.ReadStateAsync();
                continue;
            }
            catch
            {
                Listings.RemoveAt(Listings.Count - 1);
                throw;
            }
            await Report();
            return true;
        }
    }

    public async Task<bool> Update(TListing listing)
    {
        var index = Listings.FindIndex(l => IdOf(l) == IdOf(listing));
        if (index < 0) return false;
        var before = Listings[index];
        var updated = KeepingCreatedAt(listing, before);
        if (updated.Equals(before)) return true;
        await Widen(KeysOf(updated));
        Listings[index] = updated;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            Listings[index] = before;
            throw;
        }
        await Report();
        return true;
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
        }
        catch
        {
            // Not stored: keep memory as the store has it; the deletion is retried as a whole.
            Listings.Insert(index, listing);
            throw;
        }
        await Report();
        return true;
    }

    public Task<IReadOnlyList<TListing>> Entries() => Task.FromResult<IReadOnlyList<TListing>>([.. Listings]);

    /// <summary>Before a listing with <paramref name="bits"/> is stored: the mask grain covers them first.</summary>
    private async Task Widen(long bits)
    {
        if (ListingKeys.IsKnown(_reported) && (bits & ~_reported) == 0) return;
        await MaskGrain.Widen(Page, bits);
        if (ListingKeys.IsKnown(_reported)) _reported |= bits;
    }

    /// <summary>After a change is stored: the page's exact mask (narrower when a key left the page).</summary>
    private async Task Report()
    {
        var mask = Listings.Aggregate(0L, (m, l) => m | KeysOf(l));
        if (mask == _reported) return;
        await MaskGrain.Set(Page, mask);
        _reported = mask;
    }
}
