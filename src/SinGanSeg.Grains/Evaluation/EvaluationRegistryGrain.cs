using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Evaluation;

/// <summary>The evaluation list's index (key 0), paged like the job list (<see cref="ListingRegistryGrain{TListing, TState}"/>).</summary>
public sealed class EvaluationRegistryGrain(
    [PersistentState("evaluations", StorageNames.Grains)] IPersistentState<EvaluationRegistryState> state,
    SinGanSegOptions options) : ListingRegistryGrain<EvaluationListing, EvaluationRegistryState>(state, options), IEvaluationRegistryGrain
{
    public async Task<EvaluationListingPage> List(int limit, string? continuation = null, string? jobId = null)
    {
        var (evaluations, next) = await Walk(limit, continuation, jobId is null ? null : e => e.JobId == jobId,
            jobId is null ? ListingKeys.All : ListingKeys.Bit(jobId), exact: jobId is null);
        return new EvaluationListingPage(evaluations, next);
    }

    protected override string ListName => EvaluationRegistryPageGrain.List;

    protected override Task<bool> AddToPage(int page, EvaluationListing listing, int capacity) =>
        GrainFactory.GetGrain<IEvaluationRegistryPageGrain>(page).Add(listing, capacity);

    protected override Task<bool> RemoveFromPage(int page, string id) => GrainFactory.GetGrain<IEvaluationRegistryPageGrain>(page).Remove(id);

    protected override Task<IReadOnlyList<EvaluationListing>> PageEntries(int page) => GrainFactory.GetGrain<IEvaluationRegistryPageGrain>(page).Entries();
}

[GenerateSerializer]
public sealed class EvaluationRegistryState : IListingIndexState
{
    /// <summary>The page new evaluations go to; pages below it are full.</summary>
    [Id(0)] public int CurrentPage { get; set; }
}
