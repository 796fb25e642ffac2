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
            $"job {s.JobId}: {s.Phase}  —  {s.Done}/{s.Total} done, {Working(counts)} working, " +
            $"{Count(counts, ImagePhase.Queued) + Count(counts, ImagePhase.Pending)} waiting, {Count(counts, ImagePhase.RetryScheduled)} to retry, {s.Failed} failed"
            + GateSummary(s)));
        var table = new Table().Border(TableBorder.Simple).AddColumns("image", "state", "scale", "it/s", "ETA", "samples", "SIFID raw → styled", "note");
        foreach (var i in Interesting(s).Take(MaxRows))
        {
            table.AddRow(
                Markup.Escape(i.Name),
                Markup.Escape(i.Phase.ToString()),
                i.ScaleCount > 0 ? $"{i.CompletedScales}/{i.ScaleCount}" : "",
                i.IterationsPerSecond > 0 && !i.IsTerminal ? $"{i.IterationsPerSecond:F1}" : "",
                i.EtaSeconds > 0 && !i.IsTerminal ? TrainingProgressView.Format(TimeSpan.FromSeconds(i.EtaSeconds)) : "",
                i.Phase == ImagePhase.Styling ? $"styled {i.Styled}, step {i.Iteration}/{i.Iterations}" : i.Samples > 0 ? $"{i.Samples}" : "",
                Sifid(i.Sifid, i.SifidStyled),
                Markup.Escape(i.Error ?? (i.FromCache ? "model from cache" : i.Attempts > 1 ? $"attempt {i.Attempts}" : "")));
        }
        var hidden = s.Images.Count - Math.Min(MaxRows, Interesting(s).Count());
        var footer = (hidden > 0 ? $"(+{hidden} more)  " : "") + (Summary(s) ?? "");
        return new Rows(header, table, new Markup(Markup.Escape(footer)));
    }

    /// <summary>The job's mean SIFID before and after style transfer, named by variant; null before anything is scored.</summary>
    public static string? Summary(JobStatus s) => s.MeanSifid is { } raw
        ? $"{s.SifidMetric} mean: {raw:F3}" + (s.MeanSifidStyled is { } styled ? $" raw, {styled:F3} styled" : "")
        : null;

    private static string Sifid(double? raw, double? styled) =>
        raw is null ? "" : styled is null ? $"{raw:F3}" : $"{raw:F3} → {styled:F3}";

    private static int Working(Dictionary<ImagePhase, int> counts) =>
        Phases.WorkingImage.Sum(p => Count(counts, p));

    /// <summary>", gates: " and the counts' line (<see cref="GateCounts.Describe"/>) once anything was checked.</summary>
    public static string GateSummary(JobStatus s) => s.Gates is { Checked: > 0 } g ? $", gates: {g.Describe()}" : "";

    /// <summary>A one-line summary for logs.</summary>
    public static string Line(JobStatus s)
    {
        var working = string.Join(", ", s.Images.Where(i => Phases.IsWorking(i.Phase))
            .Take(4).Select(i => i.Phase switch
            {
                ImagePhase.Styling => $"{i.Name} styling {i.Styled}/{i.Samples} (step {i.Iteration}/{i.Iterations})",
                ImagePhase.Scoring => $"{i.Name} scoring",
                ImagePhase.Checking => $"{i.Name} checking samples",
                _ => $"{i.Name} scale {i.CompletedScales}/{i.ScaleCount}",
            }));
        var parts = new[] { $"job {s.JobId}: {s.Phase}, {s.Done}/{s.Total} done, {s.Failed} failed", working, Summary(s) ?? "", GateSummary(s).TrimStart(',', ' ') };
        return string.Join("; ", parts.Where(p => p.Length > 0));
    }

    private static IEnumerable<ImageProgress> Interesting(JobStatus s) => s.Images
        .OrderBy(i => i.Phase switch
        {
            _ when Phases.IsWorking(i.Phase) => 0,
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
