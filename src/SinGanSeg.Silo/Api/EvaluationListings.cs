using SinGanSeg.Abstractions;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// The evaluation list as the API serves it: the registry's page with the live phase of the
/// unfinished evaluations on it (the stored one is as of the last phase change it recorded), as
/// <see cref="JobListings"/> does for jobs.
/// </summary>
public static class EvaluationListings
{
    public static async Task<EvaluationListingPage> List(IClusterClient client, int limit, string? continuation, string? jobId)
    {
        var page = await client.GetGrain<IEvaluationRegistryGrain>(0).List(limit, continuation, jobId);
        var evaluations = await Task.WhenAll(page.Evaluations.Select(async listing =>
        {
            if (listing.Phase is EvaluationPhase.Completed or EvaluationPhase.CompletedWithErrors or EvaluationPhase.Cancelled) return listing;
            try
            {
                return listing with { Phase = (await client.GetGrain<IEvaluationCoordinatorGrain>(listing.EvaluationId).GetStatus()).Phase };
            }
            catch (KeyNotFoundException)
            {
                return listing; // being deleted with its job
            }
        }));
        return page with { Evaluations = evaluations };
    }
}
