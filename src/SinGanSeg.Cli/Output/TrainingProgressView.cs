using SinGanSeg.Core.Checkpoints;
using SinGanSeg.Core.Training;
using Spectre.Console;

namespace SinGanSeg.Cli.Output;

/// <summary>
/// Live progress for one training run: on a terminal, a bar for the whole model and one for the
/// current scale with iterations/s and ETA; in logs and pipes, a line per finished scale and
/// a status line every few seconds.
/// </summary>
public static class TrainingProgressView
{
    public sealed record Callbacks(Action<TrainingProgress> Progress, Action<ScaleRecord> ScaleFinished);

    public static async Task<T> RunAsync<T>(int scaleCount, int alreadyDone, Func<Callbacks, Task<T>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return await work(PlainCallbacks(scaleCount));
        return await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var model = ctx.AddTask($"model: {alreadyDone}/{scaleCount} scales", maxValue: scaleCount);
                model.Value = alreadyDone;
                ProgressTask? scale = null;
                var callbacks = new Callbacks(
                    p =>
                    {
                        if (scale is null || scale.Description.StartsWith($"scale {p.Scale}/", StringComparison.Ordinal) is false)
                        {
                            scale?.StopTask();
                            scale = ctx.AddTask($"scale {p.Scale}/{p.ScaleCount - 1}", maxValue: p.Iterations);
                        }
                        scale.Value = p.Iteration;
                        scale.Description = $"scale {p.Scale}/{p.ScaleCount - 1}  {p.Iteration}/{p.Iterations} it  {p.IterationsPerSecond:F2} it/s  ETA {Format(p.ScaleEta)}";
                        model.Value = p.CompletedScales + (double)p.Iteration / p.Iterations;
                        model.Description = $"model: {p.CompletedScales}/{p.ScaleCount} scales  ETA {Format(p.TotalEta)}";
                    },
                    r =>
                    {
                        model.Value = r.Index + 1;
                        model.Description = $"model: {r.Index + 1}/{scaleCount} scales";
                        if (scale is not null)
                        {
                            scale.Value = scale.MaxValue;
                            scale.Description = $"scale {r.Index}/{scaleCount - 1}  {r.Height}x{r.Width}  done in {Format(TimeSpan.FromSeconds(r.Seconds))}";
                            scale.StopTask();
                            scale = null;
                        }
                    });
                return await work(callbacks);
            });
    }

    private static Callbacks PlainCallbacks(int scaleCount)
    {
        var last = DateTime.MinValue;
        return new Callbacks(
            p =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(10)) return;
                last = DateTime.UtcNow;
                Console.WriteLine($"scale {p.Scale}/{p.ScaleCount - 1}: {p.Iteration}/{p.Iterations} iterations, {p.IterationsPerSecond:F2} it/s, scale ETA {Format(p.ScaleEta)}, total ETA {Format(p.TotalEta)}");
            },
            r => Console.WriteLine($"scale {r.Index}/{scaleCount - 1} done: {r.Height}x{r.Width}, {r.Iterations} iterations in {Format(TimeSpan.FromSeconds(r.Seconds))}, noise amplitude {r.NoiseAmp:G4}, reconstruction RMSE {r.ReconstructionRmse:F4}"));
    }

    public static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{t.TotalSeconds:F0}s";
}
