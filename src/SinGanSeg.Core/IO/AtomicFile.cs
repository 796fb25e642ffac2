namespace SinGanSeg.Core.IO;

/// <summary>
/// Writes files through a temporary sibling, an fsync and a rename, so a process killed at any
/// moment leaves either the old content or the new one under the final name, never a torn file.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>
    /// Deletes what writers killed half-way leave behind under <paramref name="root"/>: this
    /// class's temp files ("name.PID.GUID.tmp"), downloads in progress ("name.GUID.download") and
    /// staging folders ("name.partial-GUID"), whose final names were never reached. Only for a
    /// folder this process owns alone (nothing else can be writing there). Returns how many went.
    /// </summary>
    public static int SweepOrphans(string root, bool recursive = true)
    {
        if (!Directory.Exists(root)) return 0;
        var option = recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
        var swept = 0;
        foreach (var dir in Directory.GetDirectories(root, "*.partial-*", option).Where(d => IsOrphanName(Path.GetFileName(d))))
        {
            if (!Directory.Exists(dir)) continue;
            Directory.Delete(dir, recursive: true);
            swept++;
        }
        foreach (var file in Directory.GetFiles(root, "*", option).Where(f => IsOrphanName(Path.GetFileName(f))))
        {
            File.Delete(file);
            swept++;
        }
        return swept;
    }

    /// <summary>Whether a file or folder name is one of the temporary names writers use.</summary>
    public static bool IsOrphanName(string name) => OrphanPattern.IsMatch(name);

    private static readonly System.Text.RegularExpressions.Regex OrphanPattern = new(
        @"(\.\d+\.[0-9a-f]{32}\.tmp|\.[0-9a-f]{32}\.download|\.partial-[0-9a-f]{32})$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}
