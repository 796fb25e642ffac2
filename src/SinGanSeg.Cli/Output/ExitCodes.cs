using SinGanSeg.Abstractions;

namespace SinGanSeg.Cli.Output;

/// <summary>Every exit code the CLI returns, in one place (the README's "Exit codes" lists the same).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something failed that is not the caller's to fix: an internal fault, an unreachable or failing server.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments or bad input files: fix the command line or the data.</summary>
    public const int Usage = 2;

    /// <summary>The native runtime could not load (see the message for the fix).</summary>
    public const int Environment = 3;

    /// <summary>The job (or evaluation) ended, but not every image (or run) finished: some failed, or it was cancelled.</summary>
    public const int CompletedWithErrors = 5;

    /// <summary>Stopped by Ctrl+C or SIGTERM; everything finished so far is kept.</summary>
    public const int Interrupted = 130;

    /// <summary>How a finished job ends the command that waited for it.</summary>
    public static int ForJob(JobPhase phase) => phase == JobPhase.Completed ? Ok : CompletedWithErrors;

    /// <summary>How a finished evaluation ends the command that waited for it.</summary>
    public static int ForEvaluation(EvaluationPhase phase) => phase == EvaluationPhase.Completed ? Ok : CompletedWithErrors;
}
