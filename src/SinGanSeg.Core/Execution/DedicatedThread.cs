namespace SinGanSeg.Core.Execution;

/// <summary>
/// Runs long synchronous torch work on a thread of its own, so it never blocks the thread pool
/// (and the dispose scopes, which are per thread, never meet an await).
/// </summary>
public static class DedicatedThread
{
    public static Task<T> Run<T>(string name, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, maxStackSize: 16 * 1024 * 1024)
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }
}
