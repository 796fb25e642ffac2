using System.Text.Json.Serialization;
using SinGanSeg.Core.Native;
using SinGanSeg.Silo;
using SinGanSeg.Silo.Api;
using SinGanSeg.Silo.Dashboard;
using SinGanSeg.Silo.Security;
using SinGanSeg.Silo.Telemetry;

if (NativeRelaunch.RelaunchIfNeeded(args) is { } childExit) return childExit;

var builder = WebApplication.CreateBuilder(args);
var (options, host) = SiloSetup.Read(builder.Configuration);
builder.UseOrleans(silo => silo.Configure(options, host));
builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
if (options.Storage == SinGanSeg.Grains.Hosting.StorageMode.Embedded && builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
    builder.WebHost.UseUrls("http://127.0.0.1:5080"); // the embedded default is for this machine only
builder.AddSinGanSegTelemetry();
builder.AddSinGanSegSecurity(options);
builder.Services.AddSinGanSegDataProtection();

var app = builder.Build();
app.UseExceptionHandler();
app.UseSinGanSegSecurity();
app.MapTelemetryEndpoints();
app.MapJobApi();
app.MapEvaluationApi();
app.MapJobDashboard();
app.MapOrleansDashboard();
app.MapHealthEndpoints();
await app.RunAsync();
return 0;
