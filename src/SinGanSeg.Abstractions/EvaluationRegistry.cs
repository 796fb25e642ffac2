namespace SinGanSeg.Abstractions;

/// <summary>An evaluation in the list: the job whose dataset it evaluates (if any) and its phase as of its last phase change.</summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationListing(
    [property: Id(0)] string EvaluationId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] string? JobId,
    [property: Id(3)] EvaluationPhase Phase);

/// <summary>A slice of the evaluation list; Continuation is null after the oldest evaluation.</summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationListingPage(
    [property: Id(0)] IReadOnlyList<EvaluationListing> Evaluations,
    [property: Id(1)] string? Continuation);

/// <summary>The list of evaluations (key 0), kept in pages like the job list (<see cref="IJobRegistryGrain"/>).</summary>
public interface IEvaluationRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Lists the evaluation (or updates its listing on the page new ones go to); returns its page.</summary>
    Task<int> Register(EvaluationListing listing);

    /// <summary>Newest first, at most <paramref name="limit"/>, only those of <paramref name="jobId"/> when given; pass the answer's continuation for the next ones.</summary>
    Task<EvaluationListingPage> List(int limit, string? continuation = null, string? jobId = null);

    /// <summary>Takes a deleted evaluation off the list (nothing happens when it is not listed).</summary>
    Task Unregister(string evaluationId);
}

/// <summary>One page of the evaluation list (key: its number, from 0), in registration order.</summary>
public interface IEvaluationRegistryPageGrain : IGrainWithIntegerKey
{
    /// <summary>Adds the listing unless the page is full (false); true also when it is already here.</summary>
    Task<bool> Add(EvaluationListing listing, int capacity);

    Task<IReadOnlyList<EvaluationListing>> Entries();

    Task<bool> Remove(string evaluationId);

    /// <summary>Replaces the listing (its phase); false when it is not on this page.</summary>
    Task<bool> Update(EvaluationListing listing);
}
