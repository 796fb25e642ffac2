namespace SinGanSeg.Grains.Hosting;

/// <summary>The on-premises backend's database (the "SinGanSeg:Postgres" configuration section).</summary>
public sealed record PostgresOptions
{
    /// <summary>Npgsql connection string of the database holding membership, grain state and reminders.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// Create Orleans' tables on start when they are missing (safe when several silos start
    /// together). Off when a database administrator applies the scripts instead.
    /// </summary>
    public bool ApplySchema { get; init; }
}
