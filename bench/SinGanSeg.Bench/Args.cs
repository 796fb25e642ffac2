namespace SinGanSeg.Bench;

/// <summary>A command word followed by --name value pairs (or --name=value, for a value that itself starts with "--").</summary>
public sealed record Args(string? Command, Dictionary<string, string> Values)
{
    public static Args Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            var equals = args[i].IndexOf('=', StringComparison.Ordinal);
            if (equals > 2)
            {
                values[args[i][2..equals]] = args[i][(equals + 1)..];
                continue;
            }
            // A name followed by another name (or nothing) is a switch: --long.
            values[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
        return new Args(args.Length > 0 ? args[0] : null, values);
    }

    public string? Get(string name) => Values.GetValueOrDefault(name);

    public int Int(string name, int fallback) => Values.TryGetValue(name, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "SinGanSeg.Cluster.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }
}
