using System.Diagnostics.Metrics;

namespace SinGanSeg.Grains.Telemetry;

/// <summary>
/// The system's own instruments (meter "SinGanSeg"): what the storage layers write and what the
/// executor computes. The benchmark reads them to split a job's wall time into compute and
/// overhead; OpenTelemetry exports them.
/// </summary>
public static class SinGanSegMetrics
{
    public const string MeterName = "SinGanSeg";
    public static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> GrainStateWrites = Meter.CreateCounter<long>("singanseg.grain_state.writes", description: "grain state writes by the embedded file storage");
    public static readonly Counter<long> ArtifactWrites = Meter.CreateCounter<long>("singanseg.artifacts.writes", description: "objects written to the artifact store");
    public static readonly Counter<long> ArtifactBytes = Meter.CreateCounter<long>("singanseg.artifacts.written_bytes", "By", "bytes written to the artifact store");
    public static readonly Counter<double> ComputeSeconds = Meter.CreateCounter<double>("singanseg.executor.busy_seconds", "s", "time executor slots spent running work");
}
