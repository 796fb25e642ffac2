using System.CommandLine;
using System.Runtime.InteropServices;
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
        root.Add(StyleCommand.Create());
        root.Add(SifidCommand.Create());
        root.Add(EvaluateCommand.Create());
        root.Add(AgreementCommand.Create());
        root.Add(RunCommand.Create());
        root.Add(ServeCommand.Create());
        foreach (var command in ClusterCommands.Create()) root.Add(command);
        root.Add(EvaluationCommands.Create());
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
        // The first Ctrl+C or SIGTERM cancels the command, which saves what it can and exits
        // with 130; a second one stops the process at once.
        using var cancel = new CancellationTokenSource();
        void OnSignal(PosixSignalContext ctx)
        {
            if (cancel.IsCancellationRequested) return;
            ctx.Cancel = true;
            Console.Error.WriteLine("stopping after the current step (press Ctrl+C again to stop at once)...");
            cancel.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancel.Token);
    }
}
