using System.Diagnostics;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Core.Tests;

/// <summary>The on-premises artifact store on a real folder, with a real second process (flock(1)) competing for its locks.</summary>
public class SharedFolderArtifactStoreTests
{
    [Fact]
    public async Task Objects_round_trip_and_listing_shows_only_published_keys()
    {
        var root = TestData.NewTempDir("shared-store");
        var store = new SharedFolderArtifactStore(root);
        await store.PutBytesAsync("jobs/a/spec.json", [1, 2, 3]);
        await store.PutBytesAsync("jobs/a/spec.json", [4, 5]);
        await store.PutBytesAsync("jobs/a/images/x.png", [6]);
        await using (await store.LockAsync("jobs/a/spec.json")) { }
        // What a writer killed mid-put leaves behind: a temp file, never the key itself.
        await File.WriteAllBytesAsync(Path.Combine(root, "jobs", "a", "spec.json.123.abc.tmp"), [9]);

        Assert.Equal([4, 5], await store.GetBytesAsync("jobs/a/spec.json"));
        Assert.Equal(["jobs/a/images/x.png", "jobs/a/spec.json"], await store.ListAllAsync(""));
        Assert.Equal(["jobs/a/images/x.png"], await store.ListAllAsync("jobs/a/images/"));
        Assert.True(File.Exists(store.LockPathOf("jobs/a/spec.json")));
        await store.DeleteAsync("jobs/a/spec.json");
        Assert.Null(await store.GetBytesAsync("jobs/a/spec.json"));
        Assert.Throws<ArgumentException>(() => store.LockPathOf("../outside"));
    }

    [Fact]
    public async Task A_key_lock_excludes_another_process_both_ways()
    {
        var store = new SharedFolderArtifactStore(TestData.NewTempDir("shared-lock"));
        const string key = "jobs/a/state.json";

        // Held here: another process cannot take it.
        await using (await store.LockAsync(key))
            Assert.Equal(1, await FlockAsync("-n", "-E", "1", store.LockPathOf(key), "true"));
        Assert.Equal(0, await FlockAsync("-n", "-E", "1", store.LockPathOf(key), "true"));

        // Held by another process: this store waits until it lets go.
        using var holder = Start("-x", store.LockPathOf(key), "-c", "echo locked; read line");
        Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());
        var acquire = store.LockAsync(key);
        await Task.Delay(500);
        Assert.False(acquire.IsCompleted, "the lock was taken while another process held it");
        await holder.StandardInput.WriteLineAsync("go");
        await holder.StandardInput.FlushAsync();
        await using (await acquire.WaitAsync(TimeSpan.FromSeconds(30))) { }
        await holder.WaitForExitAsync();
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("flock") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    private static async Task<int> FlockAsync(params string[] args)
    {
        using var process = Start(args);
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
