using Npgsql;

namespace SinGanSeg.Grains.Storage.Postgres;

/// <summary>
/// Creates the tables Orleans' ADO.NET providers expect (Orleans' own PostgreSQL scripts, embedded
/// in this assembly) in a database that lacks them. Safe when several silos start at once: the
/// work runs under a session-level advisory lock, a script whose table exists is skipped, and
/// each script runs in one transaction (PostgreSQL's DDL is transactional), so a silo killed
/// halfway leaves no half-made schema behind.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The scripts in dependency order, each with the table that shows it has run.</summary>
    public static readonly IReadOnlyList<(string Script, string Table)> Scripts =
    [
        ("PostgreSQL-Main.sql", "orleansquery"),
        ("PostgreSQL-Clustering.sql", "orleansmembershiptable"),
        ("PostgreSQL-Persistence.sql", "orleansstorage"),
        ("PostgreSQL-Reminders.sql", "orleansreminderstable"),
    ];

    /// <summary>The advisory lock's key: any fixed number no other application in the database uses ("SGSschem").</summary>
    public const long LockKey = 0x5347_5373_6368_656D;

    /// <summary>Applies the missing scripts; returns the ones this call applied (none when the schema was complete).</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(string connectionString, CancellationToken cancellation = default)
    {
        var applied = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellation);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({LockKey})", cancellation);
        try
        {
            foreach (var (script, table) in Scripts)
            {
                if (await TableExistsAsync(connection, table, cancellation)) continue;
                await using var transaction = await connection.BeginTransactionAsync(cancellation);
                await ExecuteAsync(connection, ReadScript(script), cancellation, transaction);
                await transaction.CommitAsync(cancellation);
                applied.Add(script);
            }
        }
        finally
        {
            // Closing the session would release it too; unlocking says so explicitly.
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
        return applied;
    }

    /// <summary>The tables of <see cref="Scripts"/> that are missing (empty when the schema is complete).</summary>
    public static async Task<IReadOnlyList<string>> MissingTablesAsync(string connectionString, CancellationToken cancellation = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellation);
        var missing = new List<string>();
        foreach (var (_, table) in Scripts)
            if (!await TableExistsAsync(connection, table, cancellation)) missing.Add(table);
        return missing;
    }

    public static string ReadScript(string name)
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream($"postgres/{name}")
            ?? throw new InvalidOperationException($"schema script {name} is not embedded in {typeof(PostgresSchema).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<bool> TableExistsAsync(NpgsqlConnection connection, string table, CancellationToken cancellation)
    {
        // to_regclass follows the connection's search_path, as the providers' unqualified queries do.
        await using var command = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
        command.Parameters.AddWithValue("name", table);
        return (bool)(await command.ExecuteScalarAsync(cancellation))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellation, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
