using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.Native;

namespace SinGanSeg.Cli.Output;

/// <summary>Turns exceptions into one readable line and an exit code; stack traces only with SINGANSEG_DEBUG=1.</summary>
public static class ErrorReporter
{
    public static int Report(Exception e, string? interruptedHint = null)
    {
        var (code, message) = e switch
        {
            OperationCanceledException => (ExitCodes.Interrupted, $"interrupted. {interruptedHint}".TrimEnd()),
            InvalidInputException input => (ExitCodes.Usage, input.Message),
            ArgumentException arg => (ExitCodes.Usage, arg.Message),
            FileNotFoundException or DirectoryNotFoundException => (ExitCodes.Usage, e.Message),
            InvalidDataException or PickleFormatException => (ExitCodes.Usage, e.Message),
            TorchUnavailableException torch => (ExitCodes.Environment, torch.Message),
            UnauthorizedAccessException or IOException => (ExitCodes.Failed, e.Message),
            // Anything else is a fault of SinGanSeg or its environment, not of the command line: never a usage error.
            _ => (ExitCodes.Failed, $"internal error ({e.GetType().Name}): {e.Message}. Rerun with SINGANSEG_DEBUG=1 for details and report it."),
        };
        Console.Error.WriteLine($"error: {message}");
        if (Environment.GetEnvironmentVariable("SINGANSEG_DEBUG") == "1") Console.Error.WriteLine(e);
        return code;
    }
}
