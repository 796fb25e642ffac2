using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Common;
using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Grains.Jobs;

/// <summary>One page of the job list (key: its number): up to a page's worth of listings in registration order.</summary>
public sealed class JobRegistryPageGrain(
    [PersistentState("jobs-page", StorageNames.Grains)] IPersistentState<JobRegistryPageState> state)
    : ListingPageGrain<JobListing, JobRegistryPageState>(state), IJobRegistryPageGrain
{
    /// <summary>The job list's key in <see cref="IListingMaskGrain"/>.</summary>
    public const string List = "jobs";

    protected override string ListName => List;

    /// <summary>One bit per phase: a phase filter reads exactly the pages that hold that phase.</summary>
    protected override long KeysOf(JobListing listing) => listing.Phase is { } phase ? ListingKeys.Bit((int)phase) : ListingKeys.NoKey;

    protected override List<JobListing> ListingsOf(JobRegistryPageState s) => s.Jobs;

    protected override string IdOf(JobListing listing) => listing.JobId;

    protected override JobListing KeepingCreatedAt(JobListing updated, JobListing before) => updated with { CreatedAt = before.CreatedAt };
}

[GenerateSerializer]
public sealed class JobRegistryPageState
{
    [Id(0)] public List<JobListing> Jobs { get; set; } = [];
}
