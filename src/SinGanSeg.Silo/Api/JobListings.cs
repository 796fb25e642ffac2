using SinGanSeg.Abstractions;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// The job list as the API serves it: the registry's page (filtered by phase there, so a service
/// with many jobs never asks each of them), with live counts for the unfinished jobs on it — the
/// stored ones are as of the job's last phase change.
/// </summary>
public static class JobListings
{
    public static async Task<JobListingPage> List(IClusterClient client, int limit, string? continuation, JobPhase[]? phases)
    {
        var page = await client.GetGrain<IJobRegistryGrain>(0).List(limit, continuation, phases);
        var jobs = await Task.WhenAll(page.Jobs.Select(async listing =>
        {
            if (listing.Phase is JobPhase.Completed or JobPhase.CompletedWithErrors or JobPhase.Cancelled) return listing;
            try
            {
                var status = await client.GetGrain<IJobCoordinatorGrain>(listing.JobId).GetStatus();
                return listing with { Phase = status.Phase, Total = status.Total, Done = status.Done, Failed = status.Failed };
            }
            catch (KeyNotFoundException)
            {
                return listing; // being deleted
            }
        }));
        return page with { Jobs = jobs };
    }

    /// <summary>?phase=Running&amp;phase=Accepted or ?phase=Running,Accepted; case-insensitive; unknown names are a 400 naming the valid ones.</summary>
    public static JobPhase[]? ParsePhases(string[]? values)
    {
        var names = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (names.Count == 0) return null;
        return [.. names.Select(n => Enum.TryParse<JobPhase>(n, ignoreCase: true, out var phase) && Enum.IsDefined(phase)
            ? phase
            : throw new ArgumentException($"unknown job phase '{n}'; use one of {string.Join(", ", Enum.GetNames<JobPhase>())}"))];
    }
}
