using SinGanSeg.Abstractions;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>One line of the dashboard's job list: the registry's listing with the counts from each job's status.</summary>
public sealed record JobSummary(
    string JobId,
    DateTimeOffset CreatedAt,
    JobPhase? Phase,
    int Total,
    int Done,
    int Failed,
    int Active,
    DateTimeOffset? FinishedAt,
    string? Preset,
    string? Error)
{
    public bool IsActive => Phase is JobPhase.Accepted or JobPhase.Running;
}

public static class JobSummaries
{
    /// <summary>The list shows the newest jobs only: each line costs a grain call on every refresh.</summary>
    public const int Limit = 100;

    public static async Task<IReadOnlyList<JobSummary>> Recent(IClusterClient client)
    {
        var listings = (await client.GetGrain<IJobRegistryGrain>(0).List(Limit)).Jobs
            .OrderByDescending(j => j.CreatedAt).ThenBy(j => j.JobId, StringComparer.Ordinal).Take(Limit).ToList();
        return await Task.WhenAll(listings.Select(async j =>
        {
            try
            {
                var s = await client.GetGrain<IJobCoordinatorGrain>(j.JobId).GetStatus();
                return new JobSummary(j.JobId, j.CreatedAt, s.Phase, s.Total, s.Done, s.Failed,
                    s.Images.Count(i => !i.IsTerminal && i.Phase is not ImagePhase.Pending), s.FinishedAt, s.Preset, null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One unreachable job should not blank the whole list.
                return new JobSummary(j.JobId, j.CreatedAt, null, 0, 0, 0, 0, null, null, e.Message);
            }
        }));
    }
}
