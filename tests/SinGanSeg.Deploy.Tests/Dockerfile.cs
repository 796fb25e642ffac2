using System.Text.RegularExpressions;

namespace SinGanSeg.Deploy.Tests;

/// <summary>The parts of deploy/docker/Dockerfile.* the tests rely on: ARG defaults, the marked publish command, COPY and ENTRYPOINT.</summary>
internal sealed partial class Dockerfile
{
    public const string PublishMarker = "# publish-command";

    public string Path { get; }
    public string[] Lines { get; }
    public Dictionary<string, string> ArgDefaults { get; } = new(StringComparer.Ordinal);

    public Dockerfile(string path)
    {
        Path = path;
        Lines = File.ReadAllLines(path);
        foreach (var m in Lines.Select(l => ArgLine().Match(l)).Where(m => m.Success))
            ArgDefaults[m.Groups[1].Value] = m.Groups[2].Value;
    }

    /// <summary>The RUN line after the publish marker, without RUN and its --mount options, build args substituted.</summary>
    public string[] PublishCommand()
    {
        var at = Array.IndexOf(Lines, PublishMarker);
        if (at < 0 || at + 1 >= Lines.Length) throw new InvalidOperationException($"{Path}: no '{PublishMarker}' line followed by a RUN");
        var words = Lines[at + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words[0] != "RUN") throw new InvalidOperationException($"{Path}: the line after '{PublishMarker}' is not a RUN");
        return words.Skip(1).Where(w => !w.StartsWith("--mount=", StringComparison.Ordinal)).Select(Substitute).ToArray();
    }

    public string Substitute(string word) => ArgReference().Replace(word, m =>
        ArgDefaults.TryGetValue(m.Groups[1].Value, out var v) ? v : throw new InvalidOperationException($"{Path}: ${{{m.Groups[1].Value}}} has no ARG default"));

    /// <summary>(source, destination) of every COPY --from=build.</summary>
    public IEnumerable<(string Source, string Destination)> CopiesFromBuild() =>
        Lines.Where(l => l.StartsWith("COPY --from=build", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).Skip(1).ToArray())
            .Select(w => (w[0], w[1]));

    /// <summary>The exec-form ENTRYPOINT's words.</summary>
    public string[] Entrypoint() => ExecForm("ENTRYPOINT");

    /// <summary>The exec-form CMD's words (the entrypoint's default arguments); empty without a CMD.</summary>
    public string[] Cmd() => Lines.Any(l => l.StartsWith("CMD ", StringComparison.Ordinal)) ? ExecForm("CMD") : [];

    /// <summary>The image each FROM starts a stage from, build args substituted.</summary>
    public IEnumerable<string> BaseImages() =>
        Lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).Select(l => Substitute(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));

    private string[] ExecForm(string instruction)
    {
        var line = Lines.Single(l => l.StartsWith(instruction + " ", StringComparison.Ordinal));
        return Quoted().Matches(line).Select(m => m.Groups[1].Value).ToArray();
    }

    [GeneratedRegex(@"^ARG ([A-Z_]+)=(\S+)$")] private static partial Regex ArgLine();
    [GeneratedRegex(@"\$\{([A-Z_]+)\}")] private static partial Regex ArgReference();
    [GeneratedRegex("\"([^\"]*)\"")] private static partial Regex Quoted();
}
