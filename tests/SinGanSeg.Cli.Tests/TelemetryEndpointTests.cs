using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>The silo host's exporters as configured from the command line: Prometheus on its management port, OTLP to a collector.</summary>
public class TelemetryEndpointTests
{
    [Fact]
    public async Task Prometheus_serves_the_job_metrics_on_the_management_port_only_and_logs_carry_the_request_trace()
    {
        var port = TelemetrySiloProcess.FreePort();
        await using var silo = await TelemetrySiloProcess.StartAsync("--Telemetry:Prometheus:Enabled=true", $"--Telemetry:Prometheus:Port={port}");
        using var http = new HttpClient();
        var name = Directory.GetFiles(Path.Combine(TestData.Polyps, "images"), "*.jpg").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Skip(44).First()!;
        var trace = ActivityTraceId.CreateRandom();
        using var submit = new HttpRequestMessage(HttpMethod.Post, new Uri(silo.Api, "/api/jobs"))
        {
            Content = JsonContent.Create(new
            {
                jobId = "metered",
                images = new[] { new { name, image = TestData.PolypImage(name), mask = TestData.PolypMask(name) } },
                preset = "tiny",
                iterations = 2,
                samplesPerImage = 1,
            }),
        };
        submit.Headers.Add("X-Requested-With", "singanseg");
        submit.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        var accepted = await http.SendAsync(submit);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync() + silo.Log);

        var deadline = DateTime.UtcNow.AddMinutes(4);
        string phase;
        do
        {
            await Task.Delay(500);
            var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(silo.Api, "/api/jobs/metered"))).RootElement;
            phase = status.GetProperty("phase").GetString()!;
            Assert.True(DateTime.UtcNow < deadline, $"job still {phase}:\n{silo.Log}");
        }
        while (phase is "Accepted" or "Running");
        Assert.Equal("Completed", phase);

        var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Contains("singanseg_images{", metrics);
        Assert.Contains("state=\"done\"", metrics);
        Assert.Contains("singanseg_training_iterations_total", metrics);
        Assert.Contains("singanseg_training_scale_duration_seconds_bucket", metrics);
        Assert.Contains("singanseg_samples_generated_total", metrics);
        Assert.Contains("singanseg_images_completed_total", metrics);
        Assert.Contains("singanseg_sifid_bucket", metrics);
        Assert.Contains("singanseg_executor_slots", metrics);
        Assert.Contains("http_server_request_duration_seconds", metrics); // ASP.NET Core instrumentation
        Assert.Matches(@"singanseg_images\{[^}]*state=""done""[^}]*\} 1", metrics);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(silo.Api, "/metrics"))).StatusCode);

        // The coordinator logs the acceptance inside the request's trace (through the grain call), with the trace in its scope.
        var log = silo.Log;
        var accept = log.IndexOf("job metered: accepted", StringComparison.Ordinal);
        Assert.True(accept > 0, log);
        var scope = log.LastIndexOf("TraceId:", accept, StringComparison.Ordinal);
        Assert.True(scope > 0 && log[(scope + "TraceId:".Length)..].StartsWith(trace.ToString(), StringComparison.Ordinal), log);
    }

    [Fact]
    public async Task With_the_images_http_ports_variable_the_api_and_the_management_port_both_listen()
    {
        // The container images name the API port with ASPNETCORE_HTTP_PORTS; adding the
        // management port must not replace it (Kestrel takes one way of naming addresses). That
        // binds every interface, so the host needs credentials to start at all.
        var port = TelemetrySiloProcess.FreePort();
        await using var silo = await TelemetrySiloProcess.StartAsync(httpPortsVariable: true, "--Telemetry:Prometheus:Enabled=true", $"--Telemetry:Prometheus:Port={port}", "--Auth:ApiKeys=telemetry-key-0123456789abcdef");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(silo.Api, "/health/ready"))).StatusCode);
        Assert.Contains("# TYPE ", await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(silo.Api, "/metrics"))).StatusCode);
    }

    [Fact]
    public async Task An_otlp_endpoint_receives_traces_over_http_protobuf()
    {
        using var collector = new HttpListener();
        var port = TelemetrySiloProcess.FreePort();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new List<string>();
        var serving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                lock (received) received.Add($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath} {context.Request.ContentType}");
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        });

        await using (var silo = await TelemetrySiloProcess.StartAsync($"--Telemetry:Otlp:Endpoint=http://127.0.0.1:{port}", "--Telemetry:Otlp:Protocol=http/protobuf"))
        {
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(silo.Api, "/api/jobs"))).StatusCode);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                lock (received) if (received.Any(r => r.StartsWith("POST /v1/traces ", StringComparison.Ordinal)) && received.Any(r => r.StartsWith("POST /v1/logs ", StringComparison.Ordinal))) break;
                await Task.Delay(250);
            }
            lock (received) Assert.True(received.Any(r => r.StartsWith("POST /v1/traces application/x-protobuf", StringComparison.Ordinal)), string.Join("\n", received) + "\n" + silo.Log);
            lock (received) Assert.Contains(received, r => r.StartsWith("POST /v1/logs ", StringComparison.Ordinal));
        }
        collector.Stop();
        await serving;
    }
}
