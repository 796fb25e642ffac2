namespace SinGanSeg.Silo.Security;

/// <summary>
/// A path with every symbolic link resolved the way the kernel walks it (".." after a link goes
/// to the link target's parent, not back lexically), so a check on the result holds for the file
/// that will be read. Missing components are kept as written.
/// </summary>
public static class CanonicalPath
{
    /// <summary>Linux's own limit (ELOOP after 40 links).</summary>
    private const int MaxLinks = 40;

    public static string Resolve(string path)
    {
        if (!Path.IsPathFullyQualified(path)) throw new ArgumentException($"'{path}' must be an absolute server-side path");
        var pending = new Stack<string>(Components(path).Reverse());
        var current = "/";
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            var next = Path.Join(current, part);
            var target = LinkTarget(next);
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) throw new ArgumentException($"'{path}' has too many symbolic links");
            if (Path.IsPathRooted(target)) current = "/";
            foreach (var c in Components(target).Reverse()) pending.Push(c);
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> (canonical) is <paramref name="root"/> (canonical) or inside it.</summary>
    public static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    private static string[] Components(string path) => path.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: reading it will fail too; the check goes by the path as written.
            return null;
        }
    }
}
