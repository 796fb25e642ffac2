using SinGanSeg.Core.Native;
using SinGanSeg.Silo;

if (NativeRelaunch.RelaunchIfNeeded(args) is { } childExit) return childExit;

await SiloApp.Build(args).RunAsync();
return 0;
