namespace SinGanSeg.Cli.Output;

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;

    /// <summary>Bad arguments or bad input files: fix the command line or the data.</summary>
    public const int Usage = 2;

    /// <summary>The native runtime could not load (see the message for the fix).</summary>
    public const int Environment = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM; everything finished so far is kept.</summary>
    public const int Interrupted = 130;
}
