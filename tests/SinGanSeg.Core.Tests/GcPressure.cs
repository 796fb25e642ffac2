namespace SinGanSeg.Core.Tests;

/// <summary>
/// Runs a call over and over while another thread collects and finalizes as fast as it can: the
/// condition under which TorchSharp's temporary Scalars are freed mid-call (see HeldScalars).
/// </summary>
internal static class GcPressure
{
    /// <summary>Repeats <paramref name="call"/> for <paramref name="duration"/>; returns (calls, collections).</summary>
    public static (int Calls, int Collections) Repeat(TimeSpan duration, Action call)
    {
        var stop = false;
        var collections = 0;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        }) { IsBackground = true };
        collector.Start();
        var calls = 0;
        var deadline = DateTime.UtcNow + duration;
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                call();
                calls++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        return (calls, collections);
    }
}
