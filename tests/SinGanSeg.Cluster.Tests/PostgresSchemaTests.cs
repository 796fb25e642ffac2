using Npgsql;
using SinGanSeg.Grains.Storage.Postgres;

namespace SinGanSeg.Core.Tests;

/// <summary>Orleans' PostgreSQL schema as the silos apply it, against a real PostgreSQL server.</summary>
public class PostgresSchemaTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Silos_applying_the_schema_together_create_it_once_and_completely()
    {
        var connection = await postgres.CreateDatabaseAsync("schema_race");
        Assert.Equal(PostgresSchema.Scripts.Select(s => s.Table), await PostgresSchema.MissingTablesAsync(connection));

        // Four silos starting at the same moment, each on its own connection.
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresSchema.ApplyAsync(connection))));
        Assert.Equal(PostgresSchema.Scripts.Select(s => s.Script).Order(), runs.SelectMany(r => r).Order());
        Assert.Empty(await PostgresSchema.MissingTablesAsync(connection));
        Assert.Empty(await PostgresSchema.ApplyAsync(connection));

        // The providers read every query they issue from OrleansQuery; spot-check one per script.
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT querykey FROM orleansquery", db);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) keys.Add(reader.GetString(0));
        Assert.Contains("CleanupDefunctSiloEntriesKey", keys);
        Assert.Contains("InsertMembershipKey", keys);
        Assert.Contains("WriteToStorageKey", keys);
        Assert.Contains("UpsertReminderRowKey", keys);
    }
}
