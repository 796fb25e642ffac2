using SinGanSeg.Abstractions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SinGanSeg.Cli.Output;

/// <summary>
/// A job's live display: counts, then the images being worked on (scale k/N, speed, ETA) and the
/// failed ones with their reasons; at most <see cref="MaxRows"/> rows so 1000 images stay readable.
/// </summary>
public static class JobProgressView
{
    public const int MaxRows = 16;

    public static IRenderable Render(JobStatus s)
    {
        var counts = s.Images.GroupBy(i => i.Phase).ToDictionary(g => g.Key, g => g.Count());
        var header = new Markup(Markup.Escape(
            $"job {s.JobId}: {s.Phase}  —  {s.Done}/{s.Total} done, {Count(counts, ImagePhase.Training) + Count(counts, ImagePhase.Generating)} working, " +
            $"{Count(counts, ImagePhase.Queued) + Count(counts, ImagePhase.Pending)} waiting, {Count(counts, ImagePhase.RetryScheduled)} to retry, {s.Failed} failed"));
        var table = new Table().Border(TableBorder.Simple).AddColumns("image", "state", "scale", "it/s", "ETA", "samples", "note");
        foreach (var i in Interesting(s).Take(MaxRows))
        {
            table.AddRow(
                Markup.Escape(i.Name),
                Markup.Escape(i.Phase.ToString()),
                i.ScaleCount > 0 ? $"{i.CompletedScales}/{i.ScaleCount}" : "",
                i.IterationsPerSecond > 0 && !i.IsTerminal ? $"{i.IterationsPerSecond:F1}" : "",
                i.EtaSeconds > 0 && !i.IsTerminal ? TrainingProgressView.Format(TimeSpan.FromSeconds(i.EtaSeconds)) : "",
                i.Samples > 0 ? $"{i.Samples}" : "",
                Markup.Escape(i.Error ?? (i.FromCache ? "model from cache" : i.Attempts > 1 ? $"attempt {i.Attempts}" : "")));
        }
        var hidden = s.Images.Count - Math.Min(MaxRows, Interesting(s).Count());
        return new Rows(header, table, new Markup(hidden > 0 ? Markup.Escape($"(+{hidden} more)") : ""));
    }

    /// <summary>A one-line summary for logs.</summary>
    public static string Line(JobStatus s) =>
        $"job {s.JobId}: {s.Phase}, {s.Done}/{s.Total} done, {s.Failed} failed; " +
        string.Join(", ", s.Images.Where(i => i.Phase is ImagePhase.Training or ImagePhase.Generating)
            .Take(4).Select(i => $"{i.Name} scale {i.CompletedScales}/{i.ScaleCount}"));

    private static IEnumerable<ImageProgress> Interesting(JobStatus s) => s.Images
        .OrderBy(i => i.Phase switch
        {
            ImagePhase.Training or ImagePhase.Generating => 0,
            ImagePhase.Failed or ImagePhase.RetryScheduled => 1,
            ImagePhase.Queued => 2,
            ImagePhase.Pending => 3,
            _ => 4,
        })
        .ThenBy(i => i.Name, StringComparer.Ordinal);

    private static int Count(Dictionary<ImagePhase, int> counts, ImagePhase phase) => counts.GetValueOrDefault(phase);

    /// <summary>Polls until the job ends or cancellation; live on a terminal, a line every 10 s otherwise.</summary>
    public static async Task<JobStatus> Follow(Func<CancellationToken, Task<JobStatus>> poll, CancellationToken cancellation)
    {
        var status = await poll(cancellation);
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            while (!status.IsFinished)
            {
                if (DateTime.UtcNow - last > TimeSpan.FromSeconds(10))
                {
                    Console.WriteLine(Line(status));
                    last = DateTime.UtcNow;
                }
                await Task.Delay(500, cancellation);
                status = await poll(cancellation);
            }
            Console.WriteLine(Line(status));
            return status;
        }
        await AnsiConsole.Live(Render(status)).StartAsync(async ctx =>
        {
            while (!status.IsFinished)
            {
                await Task.Delay(500, cancellation);
                status = await poll(cancellation);
                ctx.UpdateTarget(Render(status));
            }
        });
        return status;
    }
}
