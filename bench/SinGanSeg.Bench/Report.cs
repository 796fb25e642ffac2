using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SinGanSeg.Bench;

/// <summary>Prints the engine results as a table, compares with a saved baseline, and renders the Markdown section.</summary>
public static class Report
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Table(EngineResult r, EngineResult? baseline)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"engine: {r.Image}, preset {r.Preset}, first {r.Iterations} iterations per scale, {r.Threads} torch threads ({r.Machine})");
        sb.AppendLine();
        sb.AppendLine("| scale | size (H×W) | width | seconds | reference (Python) | ratio | target ≤ 0.5 | coarse scales | critic | generator |" + (baseline is null ? "" : " baseline | change |"));
        sb.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |" + (baseline is null ? "" : " ---: | ---: |"));
        foreach (var s in r.Scales)
        {
            var reference = s.Scale < EngineBenchmark.ReferenceSeconds.Length && r.Iterations == 50 ? EngineBenchmark.ReferenceSeconds[s.Scale] : (double?)null;
            var ratio = reference is { } rs ? s.Seconds / rs : (double?)null;
            var verdict = ratio is null ? "n/a" : ratio <= 0.5 ? "met" : "MISSED";
            var total = s.Phases.Values.Sum();
            string Share(string phase) => total > 0 && s.Phases.TryGetValue(phase, out var v) ? $"{100 * v / total:F0} %" : "–";
            sb.Append(FormattableString.Invariant($"| {s.Scale} | {s.Height}×{s.Width} | {s.NetworkWidth} | {s.Seconds:F1} | {(reference is null ? "–" : reference.Value.ToString("F0", CultureInfo.InvariantCulture))} | {(ratio is null ? "–" : ratio.Value.ToString("F2", CultureInfo.InvariantCulture))} | {verdict} | {Share("coarse scales")} | {Share("critic")} | {Share("generator")} |"));
            if (baseline?.Scales.FirstOrDefault(b => b.Scale == s.Scale) is { } b)
                sb.Append(FormattableString.Invariant($" {b.Seconds:F1} | {Change(s.Seconds, b.Seconds)} |"));
            sb.AppendLine();
        }
        var sampleTarget = 10 * EngineBenchmark.ReferenceSamplesPerSecond;
        sb.AppendLine();
        sb.AppendLine(FormattableString.Invariant($"- total training time for these iterations: {r.Scales.Sum(s => s.Seconds):F0} s"));
        sb.AppendLine(FormattableString.Invariant($"- sampling, {r.Scales.Count}-scale model, {r.Scales[^1].Height}×{r.Scales[^1].Width}, PNG writing included: {r.SamplesPerSecond:F1} pairs/s over {r.SampleCount} pairs (reference {EngineBenchmark.ReferenceSamplesPerSecond} images/s; target ≥ {sampleTarget:F1}: {(r.SamplesPerSecond >= sampleTarget ? "met" : "MISSED")})")
            + (baseline is null ? "" : FormattableString.Invariant($"; baseline {baseline.SamplesPerSecond:F1} ({Change(r.SamplesPerSecond, baseline.SamplesPerSecond)})")));
        sb.AppendLine(FormattableString.Invariant($"- peak memory (process working set): {r.PeakMemoryBytes / (1024.0 * 1024):F0} MiB")
            + (baseline is null ? "" : FormattableString.Invariant($"; baseline {baseline.PeakMemoryBytes / (1024.0 * 1024):F0} MiB")));
        return sb.ToString();
    }

    private static string Change(double now, double before) =>
        before == 0 ? "–" : ((now - before) / before * 100).ToString("+0;-0", CultureInfo.InvariantCulture) + " %";

    /// <summary>Replaces the block between the markers in a Markdown file (or appends it), leaving the rest as written.</summary>
    public static void WriteSection(string markdownPath, string marker, string content)
    {
        var start = $"<!-- bench:{marker}:start -->";
        var end = $"<!-- bench:{marker}:end -->";
        var text = File.Exists(markdownPath) ? File.ReadAllText(markdownPath) : "# Benchmarks\n";
        var block = $"{start}\n{content.TrimEnd()}\n{end}";
        var i = text.IndexOf(start, StringComparison.Ordinal);
        var j = text.IndexOf(end, StringComparison.Ordinal);
        text = i >= 0 && j > i ? text[..i] + block + text[(j + end.Length)..] : text.TrimEnd() + "\n\n" + block + "\n";
        File.WriteAllText(markdownPath, text);
    }
}
