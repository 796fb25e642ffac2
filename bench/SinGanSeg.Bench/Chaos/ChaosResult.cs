using System.Text;

namespace SinGanSeg.Bench.Chaos;

/// <summary>What a chaos run did and what the store showed afterwards.</summary>
public sealed record ChaosResult(
    int Seed,
    int Silos,
    int SilosStarted,
    int Jobs,
    int Images,
    int SiloKills,
    int Outages,
    IReadOnlyDictionary<string, int> StorageFaults,
    int Lost,
    int Duplicated,
    int ScalesRedone,
    int ScalesCommitted,
    int ModelsReused,
    double SecondsFromLastFaultToAllTerminal,
    string? LastStorageFaultAt,
    double WallSeconds,
    double EngineSeconds,
    IReadOnlyList<string> JobSummaries,
    IReadOnlyList<string> Violations,
    IReadOnlyList<ChaosEvent> Schedule,
    IReadOnlyList<StorageFault> LastFaults,
    DateTimeOffset FinishedAt)
{
    public bool Passed => Violations.Count == 0;

    /// <summary>Engine (executor busy) time over the slot time the silos offered: the rest is orchestration, waiting out faults and idling.</summary>
    public double EngineShare(int slotsPerSilo = 1) => WallSeconds <= 0 ? 0 : EngineSeconds / (WallSeconds * Silos * slotsPerSilo);

    public string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"chaos: seed {Seed}, {Silos} silos (+{SilosStarted - Silos} started after kills), Azurite process, {Jobs} jobs, {Images} images");
        sb.AppendLine();
        sb.AppendLine("| measure | value |");
        sb.AppendLine("| --- | ---: |");
        sb.AppendLine($"| silo kills (hard stop, then a new silo) | {SiloKills} |");
        sb.AppendLine($"| storage outages (Azurite stopped 10–30 s) | {Outages} |");
        foreach (var (kind, n) in StorageFaults) sb.AppendLine($"| transient storage faults: {kind} | {n} |");
        sb.AppendLine($"| lost (expected outputs missing from the store) | {Lost} |");
        sb.AppendLine($"| duplicated (outputs or manifest lines more than once) | {Duplicated} |");
        sb.AppendLine($"| model scales committed / redone (in flight at a fault) | {ScalesCommitted} / {ScalesRedone} |");
        sb.AppendLine($"| models reused by the job sharing model keys | {ModelsReused} |");
        sb.AppendLine($"| time from the last fault to every job terminal | {SecondsFromLastFaultToAllTerminal:F1} s |");
        sb.AppendLine($"| wall time | {WallSeconds:F1} s |");
        sb.AppendLine($"| engine time (executor busy, summed) / share of the silos' slot time | {EngineSeconds:F1} s / {EngineShare():P0} |");
        foreach (var j in JobSummaries) sb.AppendLine($"| job | {j} |");
        sb.AppendLine($"| invariant violations | {Violations.Count} |");
        return sb.ToString();
    }

    /// <summary>What to print on a violation: enough to replay the run and to see what happened last.</summary>
    public string Replay()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"CHAOS INVARIANTS VIOLATED (seed {Seed}; replay: singanseg-bench chaos --seed {Seed} --silos {Silos} ...)");
        foreach (var v in Violations) sb.AppendLine($"  violation: {v}");
        sb.AppendLine("  schedule as it fired:");
        foreach (var e in Schedule) sb.AppendLine($"    {e.At,7:F1}s {e.Kind}: {e.Detail}");
        sb.AppendLine("  last storage faults:");
        foreach (var f in LastFaults) sb.AppendLine($"    {f.At:HH:mm:ss.fff} {f.Kind} {f.Method} {f.Target}");
        return sb.ToString();
    }
}
