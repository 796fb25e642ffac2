using System.CommandLine;
using SinGanSeg.Cli.Commands;
using SinGanSeg.Cli.Output;

namespace SinGanSeg.Cli;

public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("SinGAN-Seg: train single-image GANs on image+mask pairs and generate synthetic segmentation data.");
        root.Add(TrainCommand.Create());
        root.Add(GenerateCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'singanseg --help' or 'singanseg <command> --help' for usage.");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync();
    }
}
