using SinGanSeg.Core.Native;
using SinGanSeg.Silo;

if (NativeRelaunch.RelaunchIfNeeded(args) is { } childExit) return childExit;

WebApplication app;
try
{
    app = SiloApp.Build(args);
}
catch (ArgumentException e)
{
    // A configuration that would run unsafe or half-set: one line an operator can act on, no stack trace.
    Console.Error.WriteLine($"singanseg-silo: {e.Message}");
    return 2;
}
await app.RunAsync();
return 0;
