using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Evaluation;

/// <summary>One page of the evaluation list (key: its number): up to a page's worth of listings in registration order.</summary>
public sealed class EvaluationRegistryPageGrain(
    [PersistentState("evaluations-page", StorageNames.Grains)] IPersistentState<EvaluationRegistryPageState> state)
    : ListingPageGrain<EvaluationListing, EvaluationRegistryPageState>(state), IEvaluationRegistryPageGrain
{
    protected override List<EvaluationListing> ListingsOf(EvaluationRegistryPageState s) => s.Evaluations;

    protected override string IdOf(EvaluationListing listing) => listing.EvaluationId;

    protected override EvaluationListing KeepingCreatedAt(EvaluationListing updated, EvaluationListing before) => updated with { CreatedAt = before.CreatedAt };
}

[GenerateSerializer]
public sealed class EvaluationRegistryPageState
{
    [Id(0)] public List<EvaluationListing> Evaluations { get; set; } = [];
}
