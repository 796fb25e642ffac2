using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace SinGanSeg.Grains.Storage.Postgres;

/// <summary>
/// Applies <see cref="PostgresSchema"/> as the silo's first lifecycle step, before membership,
/// grain storage or reminders touch their tables (only when the host is configured to).
/// </summary>
internal sealed class PostgresSchemaInitializer(string connectionString, ILogger<PostgresSchemaInitializer> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaInitializer), ServiceLifecycleStage.First, ApplyAsync);

    private async Task ApplyAsync(CancellationToken cancellation)
    {
        var applied = await PostgresSchema.ApplyAsync(connectionString, cancellation);
        if (applied.Count > 0) logger.LogInformation("PostgreSQL schema: applied {Scripts}", string.Join(", ", applied));
        else logger.LogInformation("PostgreSQL schema: complete, nothing to apply");
    }
}
