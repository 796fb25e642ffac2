using Orleans.Runtime;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Core.Tests;

public class PlacementTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Image_grains_land_only_on_the_gpu_silo()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "placement", "cpu-only", "cpu-only", "gpu");
        var gpu = cluster.Silos[2].SiloAddress;
        var pairs = TestCluster.Pairs(3);
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>("placement");
        var hosts = new Dictionary<string, SiloAddress>();
        await job.Submit(TestCluster.Job("placement", pairs, iterations: 2, samples: 1));
        var status = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(3), _ =>
        {
            foreach (var p in pairs)
            {
                var id = cluster.Client.GetGrain<IImageModelGrain>(GrainKeys.Image("placement", p)).GetGrainId();
                if (cluster.TryGetGrainContext(id, out var context) && context.Address.SiloAddress is { } silo) hosts[p] = silo;
            }
        });
        Assert.Equal(JobPhase.Completed, status.Phase);
        Assert.Equal(pairs.Order(), hosts.Keys.Order());
        Assert.All(hosts, h => Assert.Equal(gpu, h.Value));
    }
}
