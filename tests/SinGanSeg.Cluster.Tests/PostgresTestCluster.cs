using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Placement;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// An in-process Orleans cluster on the on-premises backend: PostgreSQL membership, grain state
/// and reminders (every silo applies the schema on start, all at once, as a Deployment's pods
/// do) and one shared artifact folder, with the test timings of <see cref="TestCluster"/>.
/// </summary>
public static class PostgresTestCluster
{
    /// <param name="accelerators">One entry per silo: "gpu", "cpu" (takes images) or "cpu-only".</param>
    public static async Task<InProcessTestCluster> StartAsync(string connectionString, string artifacts, string name, params string[] accelerators)
    {
        var builder = new InProcessTestClusterBuilder((short)accelerators.Length);
        // The test cluster puts its own in-memory membership table in every silo; turned off, the
        // silos and the client use the PostgreSQL table as production does. The switch is
        // internal to Orleans.TestingHost (10.4.2), hence reflection; if it moves, fail loudly.
        var useTestMembership = typeof(InProcessTestClusterOptions).GetProperty("UseTestClusterMembership", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("Orleans.TestingHost no longer has InProcessTestClusterOptions.UseTestClusterMembership");
        useTestMembership.SetValue(builder.Options, false);
        var prefix = "P" + new string(name.Where(char.IsLetterOrDigit).ToArray()) + Guid.NewGuid().ToString("N")[..6];
        builder.ConfigureSilo((silo, siloBuilder) =>
        {
            var index = silo.SiloName == "Primary" ? 0 : int.Parse(silo.SiloName.Split('_')[^1]);
            var role = accelerators[index];
            var options = Options(connectionString, artifacts, prefix, silo.SiloName) with
            {
                Accelerator = role == "gpu" ? "gpu" : "cpu",
                AcceptImageGrains = role == "cpu",
            };
            siloBuilder.UseSinGanSegPostgresClustering(options);
            siloBuilder.AddSinGanSeg(options);
            siloBuilder.Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = TimeSpan.FromSeconds(3));
        });
        builder.ConfigureClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresBackend.Invariant;
                o.ConnectionString = connectionString;
            });
            client.AddActivityPropagation();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await WaitForSilosToKnowEachOther(cluster);
        return cluster;
    }

    /// <summary>
    /// Waits until every silo sees every other as active, with its grain manifest and metadata.
    /// With a membership table (unlike the test cluster's shared in-memory one) silos learn of
    /// each other over seconds, and a job submitted earlier places all its images on the silo
    /// of its coordinator: placement only considers silos whose manifest (which grain types they
    /// host) and metadata (the accelerator filter) it already has.
    /// </summary>
    private static async Task WaitForSilosToKnowEachOther(InProcessTestCluster cluster)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var all = cluster.Silos.Select(s => s.SiloAddress).ToList();
            var ready = cluster.Silos.All(silo =>
            {
                var services = silo.ServiceProvider;
                var active = services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();
                var metadata = services.GetRequiredService<ISiloMetadataCache>();
                var manifest = services.GetRequiredService<IClusterManifestProvider>().Current;
                return all.All(a => active.Contains(a) && manifest.Silos.ContainsKey(a) && metadata.GetSiloMetadata(a).Metadata.ContainsKey(SiloRoles.Accelerator));
            });
            if (ready)
            {
                // Activation-count placement also needs the silos' load figures, published every second.
                await Task.Delay(TimeSpan.FromSeconds(2));
                return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the silos did not all see each other (membership and metadata) within 60 s");
            await Task.Delay(200);
        }
    }

    public static SinGanSegOptions Options(string connectionString, string artifacts, string prefix, string silo) => TestCluster.Defaults(prefix, silo) with
    {
        Storage = StorageMode.Postgres,
        Postgres = new PostgresOptions { ConnectionString = connectionString, ApplySchema = true },
        ArtifactDirectory = artifacts,
    };
}
