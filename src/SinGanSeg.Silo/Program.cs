using System.Text.Json.Serialization;
using SinGanSeg.Core.Native;
using SinGanSeg.Silo;
using SinGanSeg.Silo.Api;
using SinGanSeg.Silo.Dashboard;
using SinGanSeg.Silo.Security;
using SinGanSeg.Silo.Telemetry;

if (NativeRelaunch.RelaunchIfNeeded(args) is { } childExit) return childExit;

WebApplication app;
try
{
    var builder = WebApplication.CreateBuilder(args);
    var (options, host) = SiloSetup.Read(builder.Configuration);
    builder.UseOrleans(silo => silo.Configure(options, host));
    builder.Services.AddSingleton(host);
    builder.Services.AddProblemDetails();
    builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
    if (ListenAddress.EmbeddedDefault(options, builder.Configuration) is { } localOnly)
        builder.WebHost.UseUrls(localOnly);
    builder.AddSinGanSegTelemetry();
    builder.AddSinGanSegSecurity(options);
    builder.Services.AddSinGanSegDataProtection();
    app = builder.Build();
}
catch (ArgumentException e)
{
    // A configuration that would run unsafe or half-set: one line an operator can act on, no stack trace.
    Console.Error.WriteLine($"singanseg-silo: {e.Message}");
    return 2;
}

app.UseSinGanSegForwardedHeaders(app.Services.GetRequiredService<SiloHostOptions>());
app.UseTelemetryEndpoints();
app.UseExceptionHandler();
app.UseSinGanSegSecurity();
app.MapJobApi();
app.MapEvaluationApi();
app.MapJobDashboard();
app.MapOrleansDashboard();
app.MapHealthEndpoints();
await app.RunAsync();
return 0;
