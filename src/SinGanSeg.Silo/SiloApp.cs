using System.Text.Json.Serialization;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Images;
using SinGanSeg.Silo.Api;
using SinGanSeg.Silo.Dashboard;
using SinGanSeg.Silo.Security;
using SinGanSeg.Silo.Telemetry;

namespace SinGanSeg.Silo;

/// <summary>
/// The silo host as one buildable application: the Orleans silo, the REST API with its OpenAPI
/// description, both dashboards and the probes. singanseg-silo runs it; `singanseg serve` and
/// `singanseg run --dashboard` run the same application inside the CLI.
/// </summary>
public static class SiloApp
{
    /// <param name="contentRoot">Where appsettings.json is read from (default: the working directory, as ASP.NET does).</param>
    /// <param name="options">
    /// The system's settings as given, instead of the configuration's SinGanSeg section: `run
    /// --dashboard` hosts the very silo `run` configures (its state folder, timers and weights).
    /// </param>
    public static WebApplication Build(string[] args, string? contentRoot = null, Action<WebApplicationBuilder>? configure = null, SinGanSegOptions? options = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot });
        var (configured, host) = SiloSetup.Read(builder.Configuration);
        options = options?.Validated() ?? configured;
        // The site's gate defaults are read again for every job; checked here once too, so a
        // misspelt gate key or policy stops the host at start (naming the key) instead of
        // refusing every job later with a server error.
        try { GateRegistry.Settings(new GateDefaults(), GateRegistry.SiteDefaults(builder.Configuration.GetSection("Gates"))); }
        catch (ArgumentException e) { throw new InvalidOperationException($"configuration Gates (Helm values gates.*): {e.Message}", e); }
        builder.UseOrleans(silo => silo.Configure(options, host));
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        if (ListenAddress.EmbeddedDefault(options, builder.Configuration) is { } localOnly)
            builder.WebHost.UseUrls(localOnly);
        builder.AddSinGanSegTelemetry();
        builder.AddSinGanSegSecurity(options);
        builder.AddSinGanSegDataProtection(options);
        builder.Services.AddSinGanSegOpenApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseSinGanSegForwardedHeaders(host);
        app.UseTelemetryEndpoints();
        app.UseExceptionHandler();
        app.UseSinGanSegSecurity();
        app.MapJobApi();
        app.MapImageApi();
        app.MapEvaluationApi();
        app.MapJobDashboard();
        app.MapOrleansDashboard();
        app.MapHealthEndpoints();
        app.MapSinGanSegOpenApi();
        return app;
    }
}
