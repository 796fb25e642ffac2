using System.Collections.Concurrent;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Locates the shared data next to the repository (../shared, as on the development and CI
/// machines) or where SINGANSEG_SHARED points. Missing data fails the tests loudly rather than
/// skipping them.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string> SharedRoot = new(FindShared);

    public static string Shared => SharedRoot.Value;
    public static string Reference => Path.Combine(Shared, "fixtures", "reference");
    public static string Polyps => Path.Combine(Shared, "data", "polyps");
    public static string ReferenceFile(string name) => Path.Combine(Reference, name);
    public static string PolypImage(string id) => Path.Combine(Polyps, "images", id + ".jpg");
    public static string PolypMask(string id) => Path.Combine(Polyps, "masks", id + ".jpg");

    /// <summary>The pair the reference model and traces were made from.</summary>
    public const string ReferencePair = "cju0s690hkp960855tjuaqvv0";

    public static string RepoRoot { get; } = FindUp(AppContext.BaseDirectory, d => File.Exists(Path.Combine(d, "SinGanSeg.Cluster.sln")))
        ?? throw new InvalidOperationException("test binaries are not inside the repository");

    public static string NewTempDir(string name)
    {
        var dir = TempPath($"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// A path under the tests' scratch root that this test process removes as it exits. Why: a run
    /// writes about 0.6 GB there (models, images, a 530 MB VGG16 file) and CI machines may have
    /// little disk; a machine that runs the suite again and again would otherwise fill up.
    /// SINGANSEG_KEEP_TEST_FILES=1 keeps them for a look after a failure.
    /// </summary>
    public static string TempPath(params string[] parts)
    {
        var path = Path.Combine([Path.GetTempPath(), "singanseg-tests", .. parts]);
        ToRemove.TryAdd(path, 0);
        return path;
    }

    private static readonly ConcurrentDictionary<string, byte> ToRemove = RemovedAtExit();

    private static ConcurrentDictionary<string, byte> RemovedAtExit()
    {
        var paths = new ConcurrentDictionary<string, byte>();
        if (Environment.GetEnvironmentVariable("SINGANSEG_KEEP_TEST_FILES") != "1")
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                // Best effort: a silo process a test started may still hold a file; what stays is small.
                foreach (var path in paths.Keys)
                    try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
                    catch (IOException) { }
                    catch (UnauthorizedAccessException) { }
            };
        return paths;
    }

    /// <summary>
    /// A new folder with images/ and masks/ holding <paramref name="count"/> of the shared Kvasir-SEG
    /// pairs, in name order from the <paramref name="skip"/>th (tests pick different ones so that
    /// their jobs do not share models); the folder and the pairs' names.
    /// </summary>
    public static (string Dir, IReadOnlyList<string> Names) PolypDataset(string name, int skip, int count)
    {
        var dir = NewTempDir(name);
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        var names = Directory.GetFiles(Path.Combine(Polyps, "images")).Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal).Skip(skip).Take(count).ToList();
        foreach (var n in names)
        {
            File.Copy(PolypImage(n), Path.Combine(dir, "images", n + ".jpg"));
            File.Copy(PolypMask(n), Path.Combine(dir, "masks", n + ".jpg"));
        }
        return (dir, names);
    }

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("SINGANSEG_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(Path.Combine(env, "fixtures"))) return env;
        var found = FindUp(RepoRoot, d => Directory.Exists(Path.Combine(d, "shared", "fixtures", "reference")));
        if (found is not null) return Path.Combine(found, "shared");
        // The workplace keeps it at /work/shared; a clone elsewhere still finds it.
        return Directory.Exists("/work/shared/fixtures/reference")
            ? "/work/shared"
            : throw new InvalidOperationException("shared test data not found: expected ../shared next to the repository, or set SINGANSEG_SHARED");
    }

    private static string? FindUp(string start, Func<string, bool> match)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (match(d.FullName)) return d.FullName;
        return null;
    }
}
