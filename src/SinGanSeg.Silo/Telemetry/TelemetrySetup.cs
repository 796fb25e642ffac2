using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Telemetry;

namespace SinGanSeg.Silo.Telemetry;

/// <summary>
/// OpenTelemetry for the silo host: traces (API, Orleans grain calls, the SinGanSeg spans),
/// metrics (the SinGanSeg meter, Orleans, ASP.NET Core, HttpClient, runtime) and logs that carry
/// the trace and span they were written in. Exporters come from configuration; with none, spans
/// still exist, so console logs are correlated all the same.
/// </summary>
public static class TelemetrySetup
{
    private const string OrleansMeter = "Microsoft.Orleans";

    public static WebApplicationBuilder AddSinGanSegTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        var accelerator = builder.Configuration.GetSection("SinGanSeg").Get<SinGanSegOptions>()?.Accelerator ?? "cpu";
        var instance = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName;
        _ = SinGanSegMetrics.Meter; // creates the instruments, observable ones included, before the first scrape

        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        // Without a formatter name the console logger copies its legacy options (scopes off) over
        // the formatter's; naming the default keeps Logging:Console:FormatterName=json working.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.Services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r
                .AddService(options.ServiceName, serviceInstanceId: instance)
                .AddAttributes([new("singanseg.accelerator", accelerator)]))
            .WithTracing(t => t
                .AddSource(SinGanSegActivity.SourceName)
                .AddSource([.. SinGanSegActivity.OrleansSources])
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation())
            .WithMetrics(m =>
            {
                m.AddMeter(SinGanSegMetrics.MeterName, OrleansMeter)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddView("singanseg.training.scale_duration", new ExplicitBucketHistogramConfiguration { Boundaries = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800] })
                    .AddView("singanseg.sifid", new ExplicitBucketHistogramConfiguration { Boundaries = [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20] });
                if (options.Prometheus.Enabled) m.AddPrometheusExporter();
            });

        if (!string.IsNullOrWhiteSpace(options.Otlp.Endpoint))
            otel.UseOtlpExporter(Protocol(options.Otlp.Protocol), new Uri(options.Otlp.Endpoint));
        else if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            otel.UseOtlpExporter(); // the standard OTEL_EXPORTER_OTLP_* variables configure it

        if (options.Prometheus.Enabled) ManagementPort.Listen(builder, options.Prometheus.Port);
        return builder;
    }

    /// <summary>Before authentication: the scrape endpoint is open, and only on its own port (see <see cref="ManagementPort"/>).</summary>
    public static WebApplication UseTelemetryEndpoints(this WebApplication app)
    {
        var options = app.Configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.Prometheus.Enabled) app.UseManagementPort(options.Prometheus.Port);
        return app;
    }

    private static OtlpExportProtocol Protocol(string protocol) => protocol.Trim().ToLowerInvariant() switch
    {
        "grpc" => OtlpExportProtocol.Grpc,
        "http/protobuf" or "http" => OtlpExportProtocol.HttpProtobuf,
        _ => throw new ArgumentException($"Telemetry:Otlp:Protocol '{protocol}' must be grpc or http/protobuf"),
    };
}
