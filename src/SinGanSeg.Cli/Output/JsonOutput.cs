using System.Text.Json;
using SinGanSeg.Cli.Cluster;

namespace SinGanSeg.Cli.Output;

/// <summary>
/// --json: one JSON document per line on stdout, in the API's own shapes (camelCase, enums as
/// names), and nothing else on stdout, so a script can parse every line it reads.
/// </summary>
public static class JsonOutput
{
    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), JobApiClient.Json);

    public static void Write(object value)
    {
        Console.Out.WriteLine(Serialize(value));
        Console.Out.Flush();
    }

    /// <summary>
    /// `watch --json`: polls twice a second and writes the status whenever it differs from the last
    /// line written; returns the finished status, which is the last line.
    /// </summary>
    public static async Task<T> Follow<T>(Func<CancellationToken, Task<T>> poll, Func<T, bool> finished, CancellationToken cancellation) where T : notnull
    {
        string? last = null;
        while (true)
        {
            var status = await poll(cancellation);
            var line = Serialize(status);
            if (line != last)
            {
                Write(status);
                last = line;
            }
            if (finished(status)) return status;
            await Task.Delay(500, cancellation);
        }
    }
}
