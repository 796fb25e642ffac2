using SinGanSeg.Core.Tests;
using SinGanSeg.Silo;

namespace SinGanSeg.Web.Tests;

/// <summary>
/// A site's gate defaults (configuration Gates:*, Helm values gates.*) are checked when the host is
/// built: a misspelt gate or policy stops the silo at start, naming the key, instead of every job
/// being refused later with a server error.
/// </summary>
public sealed class SiteGateConfigurationTests
{
    private static string[] Args(string state, params string[] extra) =>
    [
        "--urls", "http://127.0.0.1:0",
        $"--Silo:SiloPort={SiloProcess.FreePort()}", $"--Silo:GatewayPort={SiloProcess.FreePort()}",
        $"--SinGanSeg:StateDirectory={state}", $"--SinGanSeg:ScratchDirectory={Path.Combine(state, "scratch")}", "--SinGanSeg:Device=cpu",
        .. extra,
    ];

    [Fact]
    public void A_misspelt_gate_key_stops_the_host_at_start_naming_the_key()
    {
        var state = TestData.NewTempDir("site-gates");
        var error = Assert.Throws<InvalidOperationException>(() => SiloApp.Build(Args(state, "--Gates:copyChek:Policy=drop"), contentRoot: AppContext.BaseDirectory));
        Assert.Contains("Gates:copyChek", error.Message);
        Assert.Contains("copyCheck", error.Message); // names the gates there are
    }

    [Fact]
    public void An_unknown_policy_stops_the_host_at_start_naming_the_gate_and_the_policies()
    {
        var state = TestData.NewTempDir("site-gates");
        var error = Assert.Throws<InvalidOperationException>(() => SiloApp.Build(Args(state, "--Gates:quality:Policy=delete"), contentRoot: AppContext.BaseDirectory));
        Assert.Contains("configuration Gates", error.Message);
        Assert.Contains("quality", error.Message);
        Assert.Contains("regenerate", error.Message);
    }

    [Fact]
    public async Task Valid_site_gate_defaults_build_and_start()
    {
        var state = TestData.NewTempDir("site-gates");
        await using var app = SiloApp.Build(Args(state, "--Gates:copyCheck:Policy=drop", "--Gates:quality:Threshold=0.9"), contentRoot: AppContext.BaseDirectory);
        await app.StartAsync();
        await app.StopAsync();
    }
}
