using System.CommandLine;

namespace SinGanSeg.Cli.Commands;

/// <summary>Options every torch-running command shares.</summary>
public static class CommonOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "cpu, cuda, cuda:N or auto (a GPU when there is one)",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "torch CPU threads (default: all cores)",
    };

    public static Option<long> Seed(string what) => new("--seed")
    {
        Description = $"random seed for {what}",
        DefaultValueFactory = _ => 1,
    };
}
