using System.Runtime.InteropServices;

namespace SinGanSeg.Grains.Storage;

/// <summary>
/// An exclusive lock on one artifact key of a shared folder, held across processes and machines:
/// flock(2) on a lock file (NFS clients turn it into a server-side lock) plus an in-process gate,
/// because NFS emulates flock with POSIX locks, which are per process and so do not exclude two
/// callers in the same silo. Released when disposed, or by the kernel when the process dies.
/// </summary>
public sealed partial class SharedFolderLock : IAsyncDisposable
{
    private const int LockExclusive = 2, LockNonBlocking = 4, WouldBlock = 11;
    private const int OpenReadWrite = 2, OpenCreate = 0x40, OpenCloseOnExec = 0x80000;

    // Striped: bounded memory whatever the number of keys; two keys sharing a stripe only wait for each other.
    private static readonly SemaphoreSlim[] Gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private readonly SemaphoreSlim _gate;
    private int _fd;

    private SharedFolderLock(SemaphoreSlim gate, int fd) => (_gate, _fd) = (gate, fd);

    /// <summary>Waits (polling, no thread blocked) until this caller holds the lock file <paramref name="path"/>.</summary>
    public static async Task<SharedFolderLock> AcquireAsync(string path, CancellationToken cancellation = default)
    {
        var gate = Gates[(StringComparer.Ordinal.GetHashCode(path) & int.MaxValue) % Gates.Length];
        await gate.WaitAsync(cancellation);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var fd = open(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, Convert.ToInt32("644", 8));
            if (fd < 0) throw new IOException($"cannot open lock file {path} (errno {Marshal.GetLastPInvokeError()})");
            try
            {
                var delay = 2;
                while (flock(fd, LockExclusive | LockNonBlocking) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != WouldBlock) throw new IOException($"cannot lock {path} (errno {errno})");
                    await Task.Delay(delay, cancellation);
                    delay = Math.Min(delay * 2, 50);
                }
                return new SharedFolderLock(gate, fd);
            }
            catch
            {
                _ = close(fd);
                throw;
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = close(fd); // closing the last descriptor releases the flock
            _gate.Release();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>fsync(2) on a folder, so a rename or delete in it survives a crash of the machine, not just of the process.</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = open(directory, 0, 0);
        if (fd < 0) return; // some network filesystems refuse to open folders; their renames are synchronous anyway
        try
        {
            _ = fsync(fd);
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
