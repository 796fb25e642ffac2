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
    [Fact]
    public void A_misspelt_gate_key_stops_the_host_at_start_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => InProcessSiloHost.Build("site-gates", "--Gates:copyChek:Policy=drop"));
        Assert.Contains("Gates:copyChek", error.Message);
        Assert.Contains("copyCheck", error.Message); // names the gates there are
    }

    [Fact]
    public void An_unknown_policy_stops_the_host_at_start_naming_the_gate_and_the_policies()
    {
        var error = Assert.Throws<InvalidOperationException>(() => InProcessSiloHost.Build("site-gates", "--Gates:quality:Policy=delete"));
        Assert.Contains("configuration Gates", error.Message);
        Assert.Contains("quality", error.Message);
        Assert.Contains("regenerate", error.Message);
    }

    [Fact]
    public async Task Valid_site_gate_defaults_build_and_start()
    {
        await using var app = InProcessSiloHost.Build("site-gates", "--Gates:copyCheck:Policy=drop", "--Gates:quality:Threshold=0.9");
        await app.StartAsync();
        await app.StopAsync();
    }
}
