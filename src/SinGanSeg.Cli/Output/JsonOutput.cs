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
}
