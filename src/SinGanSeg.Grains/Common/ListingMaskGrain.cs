using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Common;

/// <summary>
/// The bits a listing sets in its page's mask (<see cref="IListingMaskGrain"/>). Bits 0-61 are
/// keys, 62 is "no key"; bit 63 is never a key's, so -1 (every bit) stands for a page not known.
/// </summary>
public static class ListingKeys
{
    public const long Unknown = -1;

    public const long All = long.MaxValue;

    public const long NoKey = 1L << 62;

    public static bool IsKnown(long mask) => mask >= 0;

    public static long Bit(int key) => 1L << (key % 62);

    /// <summary>A string's bit: FNV-1a, the same in every process (string.GetHashCode is not).</summary>
    public static long Bit(string? key)
    {
        if (key is null) return NoKey;
        var hash = 2166136261u;
        foreach (var c in key) hash = (hash ^ c) * 16777619u;
        return 1L << (int)(hash % 62);
    }
}

/// <summary>
/// A list's page masks (key: the list). Grain state is a <see cref="List{T}"/> of longs, one per
/// page (8 bytes each: 1 000 pages, 100 000 listings at 100 a page, stay a small state); it is
/// written only when a mask changes, which happens a few times per page, not per listing.
/// </summary>
public sealed class ListingMaskGrain(
    [PersistentState("listing-masks", StorageNames.Grains)] IPersistentState<ListingMaskState> state) : Grain, IListingMaskGrain
{
    public Task<long[]> Masks() => Task.FromResult(state.State.Masks.ToArray());

    public Task Widen(int page, long bits) => Change(page, mask => ListingKeys.IsKnown(mask) ? mask | bits : mask);

    public Task Set(int page, long mask) => Change(page, _ => mask);

    private async Task Change(int page, Func<long, long> change)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        for (var conflicts = 0; ; conflicts++)
        {
            var masks = state.State.Masks;
            var before = page < masks.Count ? masks[page] : ListingKeys.Unknown;
            var after = change(before);
            if (after == before) return;
            var count = masks.Count;
            while (masks.Count <= page) masks.Add(ListingKeys.Unknown);
            masks[page] = after;
            try
            {
                await state.WriteStateAsync();
                return;
            }
            catch (Exception e)
            {
                // Not stored: keep memory as the store has it (the page's change is retried as a whole) ...
                masks[page] = before;
                masks.RemoveRange(count, masks.Count - count);
                if (e is not Orleans.Storage.InconsistentStateException || conflicts > 0) throw;
            }
            // ... or, when an earlier write whose answer was lost reached the store, apply the change to what it holds.
            await state.ReadStateAsync();
        }
    }
}

[GenerateSerializer]
public sealed class ListingMaskState
{
    [Id(0)] public List<long> Masks { get; set; } = [];
}
