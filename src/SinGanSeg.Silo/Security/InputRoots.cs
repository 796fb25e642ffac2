using SinGanSeg.Grains.Hosting;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// SinGanSeg:InputRoots: the only folders a submitted server-side path may name (checked on the
/// canonical path, symlinks resolved, so a link inside a root cannot lead out of it). Without roots,
/// server-side paths are accepted only by an embedded host that listens on loopback (the local
/// user's own files); anywhere else jobs must upload their files.
/// </summary>
public sealed class InputRoots
{
    private readonly string[] _roots;
    private readonly bool _anyWhenEmpty;

    public InputRoots(IEnumerable<string> roots, bool anyWhenEmpty)
    {
        _roots = [.. roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r =>
            Path.IsPathFullyQualified(r.Trim()) ? CanonicalPath.Resolve(r.Trim()) : throw new ArgumentException($"SinGanSeg:InputRoots entry '{r}' must be an absolute path"))];
        _anyWhenEmpty = anyWhenEmpty;
    }

    public IReadOnlyList<string> Roots => _roots;

    /// <summary>From "SinGanSeg:InputRoots" (a list, or one comma-separated value as an environment variable gives it).</summary>
    public static InputRoots From(IConfiguration configuration, SinGanSegOptions options, bool loopbackOnly)
    {
        var section = configuration.GetSection("SinGanSeg:InputRoots");
        var roots = section.Value is { Length: > 0 } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value ?? "").ToArray();
        return new InputRoots(roots, anyWhenEmpty: options.Storage == StorageMode.Embedded && loopbackOnly);
    }

    /// <summary>The canonical path to read instead of <paramref name="path"/>, or a 400-worthy refusal naming the rule.</summary>
    public string Confine(string path, string what)
    {
        if (!Path.IsPathFullyQualified(path)) throw new ArgumentException($"{what} '{path}' must be an absolute server-side path");
        if (_roots.Length == 0 && !_anyWhenEmpty)
            throw new ArgumentException($"{what} '{path}': this server accepts no server-side paths (SinGanSeg:InputRoots is empty); upload the files (singanseg submit --upload) or have the operator set SinGanSeg__InputRoots__0 to the shared input folder");
        var canonical = CanonicalPath.Resolve(path);
        // The same answer whether or not the path exists: the refusal tells nothing about files outside the roots.
        if (_roots.Length > 0 && !_roots.Any(r => CanonicalPath.IsUnder(canonical, r)))
            throw new ArgumentException($"{what} '{path}' is outside the input roots ({string.Join(", ", _roots)}); use a folder under one of them (SinGanSeg:InputRoots) or upload the files");
        return canonical;
    }

    /// <summary>Whether a stored server-side path may still be read (the roots may have narrowed since the job was submitted).</summary>
    public bool Allows(string path)
    {
        try
        {
            Confine(path, "path");
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
