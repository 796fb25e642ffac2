namespace SinGanSeg.Silo.Telemetry;

/// <summary>The "Telemetry" configuration section: what the silo host exports and where.</summary>
public sealed record TelemetryOptions
{
    public string ServiceName { get; init; } = "singanseg-silo";
    public OtlpTelemetryOptions Otlp { get; init; } = new();
    public PrometheusTelemetryOptions Prometheus { get; init; } = new();
}

/// <summary>Traces, metrics and logs to an OpenTelemetry collector; on when Endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) is set.</summary>
public sealed record OtlpTelemetryOptions
{
    /// <summary>The collector's base address (http://collector:4317 for grpc, :4318 for http/protobuf; the signal paths are added).</summary>
    public string? Endpoint { get; init; }

    /// <summary>grpc or http/protobuf.</summary>
    public string Protocol { get; init; } = "grpc";
}

/// <summary>A Prometheus scrape endpoint, /metrics, served only on its own management port.</summary>
public sealed record PrometheusTelemetryOptions
{
    public bool Enabled { get; init; }
    public int Port { get; init; } = 9464;
}
