using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Evaluation;

/// <summary>One page of the evaluation list (key: its number): up to a page's worth of listings in registration order.</summary>
public sealed class EvaluationRegistryPageGrain(
    [PersistentState("evaluations-page", StorageNames.Grains)] IPersistentState<EvaluationRegistryPageState> state)
    : ListingPageGrain<EvaluationListing, EvaluationRegistryPageState>(state), IEvaluationRegistryPageGrain
{
    /// <summary>The evaluation list's key in <see cref="IListingMaskGrain"/>.</summary>
    public const string List = "evaluations";

    protected override string ListName => List;

    /// <summary>A bit per job (hashed, 62 bits): a filter by job reads the pages that may hold its evaluations.</summary>
    protected override long KeysOf(EvaluationListing listing) => ListingKeys.Bit(listing.JobId);

    protected override List<EvaluationListing> ListingsOf(EvaluationRegistryPageState s) => s.Evaluations;

    protected override string IdOf(EvaluationListing listing) => listing.EvaluationId;

    protected override EvaluationListing KeepingCreatedAt(EvaluationListing updated, EvaluationListing before) => updated with { CreatedAt = before.CreatedAt };
}

[GenerateSerializer]
public sealed class EvaluationRegistryPageState
{
    [Id(0)] public List<EvaluationListing> Evaluations { get; set; } = [];
}
