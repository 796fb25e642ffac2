using Microsoft.AspNetCore.Builder;
using SinGanSeg.Core.Tests;
using SinGanSeg.Silo;

namespace SinGanSeg.Web.Tests;

/// <summary>
/// The silo host built in this process (the application singanseg-silo and `singanseg serve`
/// run) on free ports, with its state in a new temporary folder: one place for the arguments the
/// web tests start it with.
/// </summary>
public static class InProcessSiloHost
{
    public static string[] Args(string state, params string[] extra) =>
    [
        "--urls", "http://127.0.0.1:0",
        $"--Silo:SiloPort={SiloProcess.FreePort()}", $"--Silo:GatewayPort={SiloProcess.FreePort()}",
        $"--SinGanSeg:StateDirectory={state}", $"--SinGanSeg:ScratchDirectory={Path.Combine(state, "scratch")}", "--SinGanSeg:Device=cpu",
        .. extra,
    ];

    /// <summary>Built, not started; state under a new temporary folder named after <paramref name="name"/>.</summary>
    public static WebApplication Build(string name, params string[] extra) =>
        SiloApp.Build(Args(TestData.NewTempDir(name), extra), contentRoot: AppContext.BaseDirectory);
}
