using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Placement;
using Orleans.Runtime.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using SinGanSeg.Core.Execution;
using SinGanSeg.Grains.Execution;
using SinGanSeg.Grains.Placement;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Grains.Hosting;

/// <summary>Wires this system into an Orleans silo; hosts (the silo service, the embedded CLI, tests) only choose options and clustering.</summary>
public static class SiloBuilderExtensions
{
    public static ISiloBuilder AddSinGanSeg(this ISiloBuilder silo, SinGanSegOptions options)
    {
        options = options.Validated();
        var services = silo.Services;
        services.AddSingleton(options);
        silo.UseSiloMetadata(new Dictionary<string, string>
        {
            [SiloRoles.Accelerator] = options.Accelerator,
            [SiloRoles.Slots] = options.Slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SiloRoles.AcceptsImages] = options.AcceptImageGrains || options.Accelerator == SiloRoles.Gpu ? "true" : "false",
        });
        services.AddPlacementFilter<AcceleratorPlacementFilterStrategy, AcceleratorPlacementFilterDirector>(ServiceLifetime.Singleton);

        // Grain calls carry the caller's trace (W3C traceparent in the request context), so one
        // trace runs from an API request through the job to its images. Every host of this
        // system (the silo service, the CLI's embedded silo, tests) gets it here; the in-silo
        // client shares the silo's filters. Spans only exist while something listens.
        silo.AddActivityPropagation();

        // Torch loads only on silos that run image grains: the executor is created with the first one.
        services.AddSingleton(sp =>
        {
            var devices = DeviceSelector.ParseAll(options.Device);
            var threads = TorchThreads.Configure(null, options.Slots * devices.Count);
            var log = sp.GetRequiredService<ILogger<DeviceExecutor>>();
            log.LogInformation("device executor: {Devices}, {Slots} slot(s) each, {Threads} torch threads", string.Join(", ", devices), options.Slots, threads);
            var executor = new DeviceExecutor(devices, options.Slots, options.StuckRunGrace, (slot, work) => log.LogError(
                "{Slot}: {Work} ignored its cancellation for {Grace}; its thread is given up and the slot gets a new one", slot, work, options.StuckRunGrace));
            sp.GetRequiredService<ShutdownDrain>().Attach(executor);
            sp.GetRequiredService<ExecutorHealth>().Attach(executor);
            return executor;
        });
        services.AddSingleton<ExecutorHealth>();
        services.AddSingleton<ShutdownDrain>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ShutdownDrain>());
        services.AddSingleton<Jobs.RetentionSweep>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Jobs.RetentionSweep>());
        if (options.ShutdownGrace > TimeSpan.Zero)
        {
            // The host's own stop deadline must outlast the drain, or it cuts the silo off first.
            services.PostConfigure<Microsoft.Extensions.Hosting.HostOptions>(o =>
            {
                var needed = options.ShutdownGrace + TimeSpan.FromSeconds(30);
                if (o.ShutdownTimeout < needed) o.ShutdownTimeout = needed;
            });
        }

        silo.Configure<ReminderOptions>(o =>
        {
            var shortest = options.ImageKeepAlive < options.JobReconcile ? options.ImageKeepAlive : options.JobReconcile;
            if (shortest < o.MinimumReminderPeriod) o.MinimumReminderPeriod = shortest;
        });

        switch (options.Storage)
        {
            case StorageMode.Embedded:
                var root = Path.GetFullPath(options.StateDirectory);
                services.AddSingleton<IArtifactStore>(new LocalArtifactStore(Path.Combine(root, "artifacts")));
                services.AddGrainStorage(StorageNames.Grains, (_, _) => new FileGrainStorage(Path.Combine(root, "grains")));
                services.AddSingleton<IReminderTable>(new FileReminderTable(Path.Combine(root, "reminders.json")));
                silo.AddReminders();
                break;
            case StorageMode.Azure:
                // Every Azure client takes the silo's registered AzureClientPolicy list (none in
                // production; fault injection in tests), resolved when the client is created.
                var connection = options.AzureConnectionString!;
                services.AddSingleton<IArtifactStore>(sp =>
                    new BlobArtifactStore(connection, options.BlobContainer, sp.GetServices<AzureClientPolicy>()));
                silo.AddAzureTableGrainStorage(StorageNames.Grains, ob => ob.Configure<IServiceProvider>((o, sp) =>
                {
                    o.TableServiceClient = AzureStorageClients.Tables(connection, sp.GetServices<AzureClientPolicy>());
                    o.TableName = $"{options.TablePrefix}State";
                    // Deleted, not blanked: a blank entity would keep the grain id (a job id, an image name) after a deletion.
                    o.DeleteStateOnClear = true;
                }));
                silo.UseAzureTableReminderService(ob => ob.Configure<IServiceProvider>((o, sp) =>
                {
                    o.TableServiceClient = AzureStorageClients.Tables(connection, sp.GetServices<AzureClientPolicy>());
                    o.TableName = $"{options.TablePrefix}Reminders";
                }));
                break;
            case StorageMode.Postgres:
                silo.AddPostgresStorage(options);
                break;
        }
        return silo;
    }

    /// <summary>Azure Table membership for multi-silo clusters (each silo's endpoint from its pod's address).</summary>
    public static ISiloBuilder UseSinGanSegAzureClustering(this ISiloBuilder silo, SinGanSegOptions options) =>
        silo.UseAzureStorageClustering(ob => ob.Configure<IServiceProvider>((o, sp) =>
        {
            o.TableServiceClient = AzureStorageClients.Tables(options.AzureConnectionString!, sp.GetServices<AzureClientPolicy>());
            o.TableName = $"{options.TablePrefix}Cluster";
        }));
}
