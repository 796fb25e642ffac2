using Microsoft.Extensions.Logging;

namespace SinGanSeg.Core.Tests;

/// <summary>Set SINGANSEG_TEST_LOG=/path to append the silos' SinGanSeg and grain logs to a file while debugging a cluster test.</summary>
public sealed class DebugFileLogger(string path, string silo) : ILoggerProvider, ILogger
{
    private static readonly Lock Gate = new();
    public ILogger CreateLogger(string categoryName) => categoryName.StartsWith("SinGanSeg", StringComparison.Ordinal) || categoryName.Contains("Grain") ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    public void Dispose() { }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Gate) File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss.fff} {silo} {logLevel} {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}\n");
    }
}
