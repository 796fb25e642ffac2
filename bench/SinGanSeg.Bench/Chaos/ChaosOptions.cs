namespace SinGanSeg.Bench.Chaos;

/// <summary>
/// One chaos run: the cluster, the workload and the seeded fault schedule. Everything random in
/// the run is drawn from <see cref="Seed"/> (the fault policy's draws also depend on the order
/// requests arrive in, which the machine decides).
/// </summary>
public sealed record ChaosOptions
{
    public int Seed { get; init; } = 11;
    public int Silos { get; init; } = 3;
    public int Images { get; init; } = 200;
    public int ImageSize { get; init; } = 64;

    /// <summary>Transient storage faults injected of each kind (503, timeout, reset, lost acknowledgement).</summary>
    public int FaultsPerKind { get; init; } = 20;

    /// <summary>Share of table and blob requests drawn for a fault while the budget lasts.</summary>
    public double FaultShare { get; init; } = 0.03;

    /// <summary>Hard stops of a random non-primary silo (each followed by a new silo a few seconds later).</summary>
    public int SiloKills { get; init; } = 3;

    /// <summary>Full storage outages: Azurite stopped (SIGTERM) for 10–30 s and started again on its data.</summary>
    public int Outages { get; init; } = 2;

    public TimeSpan OutageMin { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan OutageMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Every job must be terminal this long after the last fault at the latest.</summary>
    public TimeSpan TerminalBound { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Samples per image.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Images of the main job that a second job shares (same model keys).</summary>
    public int SharedImages { get; init; } = 20;

    /// <summary>Images of the job that is cancelled mid-run.</summary>
    public int CancelledImages { get; init; } = 10;

    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), $"singanseg-chaos-{Environment.ProcessId}");

    public static ChaosOptions Default { get; } = new();

    public static ChaosOptions Long { get; } = new() { Images = 1000, FaultsPerKind = 50, SiloKills = 6, Outages = 3, SharedImages = 50, CancelledImages = 20, TerminalBound = TimeSpan.FromMinutes(20) };
}
