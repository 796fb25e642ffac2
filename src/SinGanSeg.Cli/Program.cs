using SinGanSeg.Cli;
using SinGanSeg.Core.Native;

if (NativeRelaunch.RelaunchIfNeeded(args) is { } childExit) return childExit;
return await CliApp.RunAsync(args);
