using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SinGanSeg.Bench;

/// <summary>Prints the engine results as a table, compares with a saved baseline, and renders the Markdown section.</summary>
public static class Report
{
    public static JsonSerializerOptions Json => BenchJson.Options;

    public static string Table(EngineResult r, EngineResult? baseline)
    {
        var sb = new StringBuilder();
        var side = r.Scales.Any(s => s.ReferenceSeconds is not null);
        sb.AppendLine($"engine: {r.Image}, preset {r.Preset}, first {r.Iterations} iterations per scale, {r.Threads} torch threads; {r.MeasuredAt:yyyy-MM-dd HH:mm} UTC; {r.Machine}");
        sb.AppendLine(side
            ? "reference: the original Python code, run by this harness in the same invocation (scale by scale, just before ours), same input, iterations and threads"
            : "reference: MISSING — not run in this invocation (pass --reference DIR); no ratio is printed, because a ratio is only valid when both sides ran together");
        sb.AppendLine();
        sb.AppendLine("| scale | size (H×W) | width | reference s | ours s | ratio | target ≤ 0.4 | load ref / ours | coarse scales | critic | generator |" + (baseline is null ? "" : " baseline | change |"));
        sb.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |" + (baseline is null ? "" : " ---: | ---: |"));
        foreach (var s in r.Scales)
        {
            var ratio = s.ReferenceSeconds is { } rs ? s.Seconds / rs : (double?)null;
            var verdict = ratio is null ? "–" : ratio <= 0.4 ? "met" : "MISSED";
            var total = s.Phases.Values.Sum();
            string Share(string phase) => total > 0 && s.Phases.TryGetValue(phase, out var v) ? $"{100 * v / total:F0} %" : "–";
            sb.Append(FormattableString.Invariant($"| {s.Scale} | {s.Height}×{s.Width} | {s.NetworkWidth} | {(s.ReferenceSeconds is { } x ? x.ToString("F1", CultureInfo.InvariantCulture) : "missing")} | {s.Seconds:F1} | {(ratio is null ? "–" : ratio.Value.ToString("F2", CultureInfo.InvariantCulture))} | {verdict} | {Load(s.ReferenceLoad)} / {Load(s.Load)} | {Share("coarse scales")} | {Share("critic")} | {Share("generator")} |"));
            if (baseline?.Scales.FirstOrDefault(b => b.Scale == s.Scale) is { } b)
                sb.Append(FormattableString.Invariant($" {b.Seconds:F1} | {Change(s.Seconds, b.Seconds)} |"));
            sb.AppendLine();
        }
        sb.AppendLine();
        var refTotal = side ? r.Scales.Sum(s => s.ReferenceSeconds ?? 0) : (double?)null;
        sb.AppendLine(FormattableString.Invariant($"- total training time for these iterations: ours {r.Scales.Sum(s => s.Seconds):F0} s")
            + (refTotal is { } t ? FormattableString.Invariant($", reference {t:F0} s, ratio {r.Scales.Sum(s => s.Seconds) / t:F2}") : ", reference missing"));
        sb.AppendLine(FormattableString.Invariant($"- sampling, {r.Scales.Count}-scale model, {r.Scales[^1].Height}×{r.Scales[^1].Width}, PNG writing included: ours {r.SamplesPerSecond:F2} pairs/s over {r.SampleCount} pairs (load {Load(r.SamplingLoad)})")
            + (r.ReferenceSamplesPerSecond is { } rr ? FormattableString.Invariant($", reference {rr:F2} pairs/s: {r.SamplesPerSecond / rr:F1}× (target ≥ 2.5×: {(r.SamplesPerSecond / rr >= 2.5 ? "met" : "MISSED")})") : ", reference missing")
            + (baseline is null ? "" : FormattableString.Invariant($"; baseline {baseline.SamplesPerSecond:F1} ({Change(r.SamplesPerSecond, baseline.SamplesPerSecond)})")));
        sb.AppendLine(FormattableString.Invariant($"- peak memory (process working set, training and sampling): ours {r.PeakMemoryBytes / (1024.0 * 1024):F0} MiB")
            + (r.ReferencePeakMemoryBytes is { } rp ? FormattableString.Invariant($", reference {rp / (1024.0 * 1024):F0} MiB (max RSS)") : "")
            + (baseline is null ? "" : FormattableString.Invariant($"; baseline {baseline.PeakMemoryBytes / (1024.0 * 1024):F0} MiB")));
        return sb.ToString();
    }

    public static string Orchestration(OrchestrationResult o)
    {
        var overhead = o.WallSeconds - o.ComputeSeconds;
        var perImageMs = overhead / o.Images * 1000;
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"orchestration: embedded default, {o.Images} images of trivially small work (64×64, 2 scales, 1 iteration, 1 sample), 1 slot"));
        sb.AppendLine();
        sb.AppendLine("| measure | value |");
        sb.AppendLine("| --- | ---: |");
        sb.AppendLine(FormattableString.Invariant($"| wall time of the job | {o.WallSeconds:F1} s |"));
        sb.AppendLine(FormattableString.Invariant($"| engine time (executor busy, summed) | {o.ComputeSeconds:F1} s |"));
        sb.AppendLine(FormattableString.Invariant($"| orchestration overhead | {overhead:F1} s = {perImageMs:F0} ms per image |"));
        sb.AppendLine(FormattableString.Invariant($"| grain calls per image | {o.GrainCallsPerImage:F1} ({string.Join(", ", o.CallsByMethod.Take(5).Select(kv => $"{kv.Key} {kv.Value / (double)o.Images:F1}"))}) |"));
        sb.AppendLine(FormattableString.Invariant($"| grain state writes per image | {o.StateWritesPerImage:F1} |"));
        sb.AppendLine(FormattableString.Invariant($"| artifact writes per image | {o.ArtifactWritesPerImage:F1} ({o.ArtifactKilobytesPerImage:F0} KiB) |"));
        sb.AppendLine(FormattableString.Invariant($"| overhead vs one `fast` image (21 min) / one `paper` image (≈ 9.8 h) on this CPU | {perImageMs / 1000 / (21 * 60) * 100:F3} % / {perImageMs / 1000 / (9.8 * 3600) * 100:F4} % |"));
        sb.AppendLine(FormattableString.Invariant($"| {o.AcceptedImages}-image submission: accepted in | {o.AcceptSeconds * 1000:F0} ms |"));
        sb.AppendLine(FormattableString.Invariant($"| … every image grain started (fan-out) after | {o.FanOutSeconds:F1} s |"));
        sb.AppendLine(FormattableString.Invariant($"| … process working set before / after | {o.WorkingSetBeforeBytes / 1048576.0:F0} / {o.WorkingSetAfterBytes / 1048576.0:F0} MiB |"));
        return sb.ToString();
    }

    public static string Style(StyleResult r, StyleResult? baseline)
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"style transfer: {r.Width}×{r.Height} sample, CPU, {r.Threads} threads, {r.Steps} timed steps (ResNet18 ×3) after 2 warm-up steps; {r.MeasuredAt:yyyy-MM-dd HH:mm} UTC; {r.Machine}"));
        sb.AppendLine(r.ReferenceStepsPerSecond is { } rs
            ? FormattableString.Invariant($"reference: style_transfer.py (VGG16, one sample) run by this harness just before ours: {rs:F2} steps/s (load {Load(r.ReferenceLoad)})")
            : "reference: MISSING — not run in this invocation (pass --reference DIR); no ratio is printed");
        sb.AppendLine();
        sb.AppendLine("| network | configuration | batch | steps/s | sample-steps/s | 1000 steps per sample | × reference | vs baseline | peak RSS | load |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var t in r.Timings)
        {
            var before = baseline?.Timings.FirstOrDefault(b => b.Network == t.Network && b.Configuration == t.Configuration && b.Batch == t.Batch);
            sb.AppendLine(FormattableString.Invariant(
                $"| {t.Network} | {t.Configuration} | {t.Batch} | {t.StepsPerSecond:F2} | {t.SampleStepsPerSecond:F2} | {Duration(1000 / t.SampleStepsPerSecond)} | {(r.ReferenceStepsPerSecond is { } x ? (t.SampleStepsPerSecond / x).ToString("F1", CultureInfo.InvariantCulture) + "×" : "missing")} | {(before is null ? "–" : Change(t.SampleStepsPerSecond, before.SampleStepsPerSecond))} | {t.PeakMemoryBytes / 1048576.0:F0} MiB | {Load(t.Load)} |"));
        }
        return sb.ToString();
    }

    /// <summary>A load average, or "–" for results saved before loads were recorded.</summary>
    private static string Load(double? load) => load is { } l && !double.IsNaN(l) ? l.ToString("F1", CultureInfo.InvariantCulture) : "–";

    private static string Duration(double seconds) => seconds >= 3600
        ? FormattableString.Invariant($"{seconds / 3600:F1} h")
        : seconds >= 60 ? FormattableString.Invariant($"{seconds / 60:F1} min") : FormattableString.Invariant($"{seconds:F0} s");

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
