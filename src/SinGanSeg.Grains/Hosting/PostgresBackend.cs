using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Grains.Storage.Postgres;

namespace SinGanSeg.Grains.Hosting;

/// <summary>
/// The on-premises backend (<see cref="StorageMode.Postgres"/>): Orleans' ADO.NET providers on
/// PostgreSQL for membership, grain state and reminders, and the shared folder for artifacts.
/// </summary>
public static class PostgresBackend
{
    /// <summary>The ADO.NET invariant Orleans maps to Npgsql's provider factory.</summary>
    public const string Invariant = "Npgsql";

    internal static void AddPostgresStorage(this ISiloBuilder silo, SinGanSegOptions options)
    {
        var connection = options.Postgres.ConnectionString!;
        var services = silo.Services;
        if (options.Postgres.ApplySchema)
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
                new PostgresSchemaInitializer(connection, sp.GetRequiredService<ILogger<PostgresSchemaInitializer>>()));
        services.AddSingleton<IArtifactStore>(new SharedFolderArtifactStore(options.ArtifactDirectory!));
        silo.AddAdoNetGrainStorage(StorageNames.Grains, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connection;
            // Rows deleted, not blanked: a blank row keeps the grain id (a job id, an image name) after a deletion.
            o.DeleteStateOnClear = true;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connection;
        });
    }

    /// <summary>PostgreSQL membership for multi-silo clusters (each silo's endpoint from its pod's address).</summary>
    public static ISiloBuilder UseSinGanSegPostgresClustering(this ISiloBuilder silo, SinGanSegOptions options) =>
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = options.Postgres.ConnectionString;
        });
}
