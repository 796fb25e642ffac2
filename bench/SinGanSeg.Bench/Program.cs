using System.Text.Json;
using SinGanSeg.Bench;
using SinGanSeg.Core.Native;

if (NativeRelaunch.RelaunchIfNeeded(args) is { } childExit) return childExit;

// singanseg-bench engine [--reference ../shared/reference/singan-seg] [--iterations 50] [--threads 2] [--samples 100] [--preset paper]
//                        [--baseline FILE] [--save FILE] [--markdown docs/BENCHMARKS.md]
// singanseg-bench report --result FILE [--baseline FILE] [--markdown FILE]   (re-render a saved run)
var options = Args.Parse(args);
if (options.Command == "report" && options.Get("orchestration") is { } savedO)
{
    var rendered = Report.Orchestration(JsonSerializer.Deserialize<OrchestrationResult>(File.ReadAllText(savedO), Report.Json)!);
    Console.WriteLine(rendered);
    if (options.Get("markdown") is { } md2) Report.WriteSection(md2, "orchestration", rendered);
    return 0;
}
if (options.Command == "report" && options.Get("result") is { } saved)
{
    var saved1 = JsonSerializer.Deserialize<EngineResult>(File.ReadAllText(saved), Report.Json)!;
    var base1 = options.Get("baseline") is { } bf && File.Exists(bf) ? JsonSerializer.Deserialize<EngineResult>(File.ReadAllText(bf), Report.Json) : null;
    var rendered = Report.Table(saved1, base1);
    Console.WriteLine(rendered);
    if (options.Get("markdown") is { } md1) Report.WriteSection(md1, "engine", rendered);
    return 0;
}
if (options.Command == "orchestration")
{
    var dir = Path.Combine(Path.GetTempPath(), $"singanseg-bench-orchestration-{Environment.ProcessId}");
    var o = await OrchestrationBenchmark.Run(options.Int("images", 200), options.Int("accept", 1000), dir);
    Directory.Delete(dir, recursive: true);
    var orchestration = Report.Orchestration(o);
    Console.WriteLine(orchestration);
    if (options.Get("save") is { } saveO) File.WriteAllText(saveO, JsonSerializer.Serialize(o, Report.Json));
    if (options.Get("markdown") is { } mdO) Report.WriteSection(mdO, "orchestration", orchestration);
    return 0;
}
if (options.Command == "agreement")
{
    // singanseg-bench agreement --models DIR --data DIR [--job-pairs 20] [--held-out 40] [--samples 8] [--steps 300] [--csv FILE]
    var rowsA = AgreementCalibration.Run(options.Get("models")!, options.Get("data")!, options.Int("job-pairs", 20), options.Int("held-out", 40),
        options.Int("samples", 8), options.Get("csv"), options.Int("steps", new SinGanSeg.Core.Segmentation.MaskAgreementConfig().Steps));
    Console.WriteLine(AgreementCalibration.Table(rowsA, [0.1, 0.2, 0.3]));
    return 0;
}
if (options.Command == "layout")
{
    // singanseg-bench layout [--threads 2] [--rounds 7]   (the channels-last candidate at the paper geometry's training sizes)
    var threadsL = SinGanSeg.Core.Execution.TorchThreads.Configure(options.Int("threads", 2));
    var layout = LayoutBenchmark.Run(PaperTrainingBlocks(), options.Int("rounds", 7));
    Console.WriteLine(LayoutBenchmark.Table(layout, threadsL));
    return 0;
}
if (options.Command == "winograd")
{
    // singanseg-bench winograd [--threads 2] [--rounds 7]   (Winograd F(2×2,3×3) vs libtorch's convolution at the paper geometry's sizes)
    var threadsW = SinGanSeg.Core.Execution.TorchThreads.Configure(options.Int("threads", 2));
    var winograd = WinogradBenchmark.Run(PaperTrainingBlocks(), options.Int("rounds", 7));
    Console.WriteLine(WinogradBenchmark.Table(winograd, threadsW));
    return 0;
}
if (options.Command == "study")
{
    // singanseg-bench study --study bench/evaluation/study.json [--figures docs/images/quality-study] [--save FILE]
    var study = QualityStudy.Run(options.Get("study") ?? throw new ArgumentException("--study FILE is required"));
    Console.WriteLine(QualityStudy.Markdown(study));
    if (options.Get("figures") is { } prefix)
        foreach (var (model, svg) in QualityStudy.Figures(study))
        {
            File.WriteAllText($"{prefix}-{model}.svg", svg);
            Console.Error.WriteLine($"figure: {prefix}-{model}.svg");
        }
    if (options.Get("save") is { } saveS) File.WriteAllText(saveS, JsonSerializer.Serialize(study, Report.Json));
    return 0;
}
if (options.Command == "compare")
{
    // singanseg-bench compare --a REPORT[,REPORT...] --b REPORT[,REPORT...] [--label-a A] [--label-b B]
    //   (two datasets judged on the same splits, one report each per split in the same order: B minus A, fold by fold, pooled)
    static string[] Reports(string? list, string option) =>
        (list ?? throw new ArgumentException($"--{option} REPORT[,REPORT...] is required")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var comparison = DatasetComparison.Run(Reports(options.Get("a"), "a"), Reports(options.Get("b"), "b"), options.Get("label-a") ?? "A", options.Get("label-b") ?? "B");
    Console.WriteLine(DatasetComparison.Markdown(comparison));
    return 0;
}
if (options.Command == "privacy")
{
    // singanseg-bench privacy --models DIR --data DIR [--samples 8] [--others 20] --figure FILE [--csv FILE]
    var rowsP = PrivacyCalibration.Run(options.Get("models")!, options.Get("data")!, options.Int("samples", 8), options.Int("others", 20),
        options.Get("figure")!, options.Get("csv"));
    Console.WriteLine(PrivacyCalibration.Table(rowsP, SinGanSeg.Core.Privacy.CopyThresholds.Default));
    return 0;
}
if (options.Command == "flops")
{
    // singanseg-bench flops --result FILE [--threads 2] [--markdown docs/BENCHMARKS.md]   (FLOPs of a saved engine run, and the measured peak)
    var engineRun = JsonSerializer.Deserialize<EngineResult>(File.ReadAllText(options.Get("result")!), Report.Json)!;
    var threadsF = options.Int("threads", engineRun.Threads);
    var flops = FlopsBenchmark.Run(engineRun, threadsF);
    var flopsTable = FlopsBenchmark.Table(engineRun, flops, FlopsBenchmark.GemmPeak(threadsF));
    Console.WriteLine(flopsTable);
    if (options.Get("markdown") is { } mdF) Report.WriteSection(mdF, "flops", flopsTable);
    return 0;
}
if (options.Command == "throughput")
{
    // singanseg-bench throughput [--reference DIR] [--data ../shared/data/polyps] [--images 4] [--preset fast] [--iterations 20] [--splits 1x2,2x1] [--per-training] [--save FILE] [--markdown FILE]
    var splits = (options.Get("splits") ?? "1x2,2x1").Split(',').Select(x => x.Split('x')).Select(x => (int.Parse(x[0]), int.Parse(x[1]))).ToList();
    var dataT = options.Get("data") ?? Path.Combine(Args.RepoRoot(), "..", "shared", "data", "polyps");
    var t = ThroughputBenchmark.Run(dataT, options.Int("images", 4), options.Get("preset") ?? "fast", options.Int("iterations", 20), options.Get("reference"), splits,
        options.Get("per-training") == "true");
    var throughputTable = ThroughputBenchmark.Table(t);
    Console.WriteLine(throughputTable);
    if (options.Get("save") is { } saveT) File.WriteAllText(saveT, JsonSerializer.Serialize(t, Report.Json));
    if (options.Get("markdown") is { } mdT) Report.WriteSection(mdT, "throughput", throughputTable);
    return 0;
}
if (options.Command == "throughput-one")
{
    var one = ThroughputBenchmark.RunOurs(options.Get("data")!, options.Int("images", 4), options.Get("preset")!, options.Int("iterations", 20), options.Int("slots", 1), options.Int("threads", 2),
        options.Get("only") is { } onlyIndex ? int.Parse(onlyIndex, System.Globalization.CultureInfo.InvariantCulture) : null);
    Console.WriteLine(JsonSerializer.Serialize(one, Report.Json).ReplaceLineEndings(""));
    return 0;
}
if (options.Command == "chaos")
{
    // singanseg-bench chaos [--long] [--seed 11] [--silos 3] [--images 200] [--faults 20] [--kills 3] [--outages 2]
    //                       [--save FILE] [--markdown docs/RELIABILITY.md]
    var chaos = options.Get("long") == "true" ? SinGanSeg.Bench.Chaos.ChaosOptions.Long : SinGanSeg.Bench.Chaos.ChaosOptions.Default;
    chaos = chaos with
    {
        Seed = options.Int("seed", chaos.Seed),
        Silos = options.Int("silos", chaos.Silos),
        Images = options.Int("images", chaos.Images),
        FaultsPerKind = options.Int("faults", chaos.FaultsPerKind),
        SiloKills = options.Int("kills", chaos.SiloKills),
        Outages = options.Int("outages", chaos.Outages),
    };
    var chaosResult = await new SinGanSeg.Bench.Chaos.ChaosRun(chaos, Console.WriteLine).RunAsync(Args.RepoRoot());
    try
    {
        Directory.Delete(chaos.WorkDirectory, recursive: true);
    }
    catch (IOException)
    {
    }
    var chaosTable = chaosResult.Table();
    Console.WriteLine(chaosTable);
    if (options.Get("save") is { } saveC) File.WriteAllText(saveC, JsonSerializer.Serialize(chaosResult, Report.Json));
    if (options.Get("markdown") is { } mdC) Report.WriteSection(mdC, options.Get("long") == "true" ? "chaos-long" : "chaos", chaosTable);
    return chaosResult.Passed ? 0 : 1;
}
if (options.Command == "montage")
{
    // singanseg-bench montage --rows "a.png,b.png;c.png,d.png" --height 160 --out fig.png
    var rows = options.Get("rows")!.Split(';').Select(r => (IReadOnlyList<string>)r.Split(',')).ToList();
    Montage.Write(rows, options.Int("height", 160), options.Get("out")!);
    return 0;
}
if (options.Command == "style-one")
{
    var one = StyleBenchmark.RunOne(options.Get("image")!, options.Get("network")!, options.Get("mode")!, options.Int("batch", 1), options.Int("steps", 5), options.Int("threads", 2));
    Console.WriteLine(JsonSerializer.Serialize(one, Report.Json).ReplaceLineEndings(""));
    return 0;
}
if (options.Command == "style")
{
    var repoRoot = Args.RepoRoot();
    var styleImage = options.Get("image") ?? Path.Combine(repoRoot, "samples", "kvasir-seg", "images", "cju0tl3uz8blh0993wxvn7ly3.jpg");
    var batches = (options.Get("batches") ?? "1,4,8").Split(',').Select(int.Parse).ToArray();
    var s = StyleBenchmark.Run(styleImage, options.Int("threads", 2), options.Int("steps", 10), batches, options.Get("reference"));
    var styleBaseline = options.Get("baseline") is { } sb && File.Exists(sb) ? JsonSerializer.Deserialize<StyleResult>(File.ReadAllText(sb), Report.Json) : null;
    var styleTable = Report.Style(s, styleBaseline);
    Console.WriteLine(styleTable);
    if (options.Get("save") is { } saveS) File.WriteAllText(saveS, JsonSerializer.Serialize(s, Report.Json));
    if (options.Get("markdown") is { } mdS) Report.WriteSection(mdS, "style", styleTable);
    return 0;
}
if (options.Command != "engine")
{
    Console.Error.WriteLine("usage: singanseg-bench engine [--reference DIR] [--iterations N] [--threads N] [--samples N] [--preset paper|fast|tiny] [--image FILE --mask FILE] [--baseline FILE] [--save FILE] [--markdown FILE]");
    Console.Error.WriteLine("       singanseg-bench report --result FILE [--baseline FILE] [--markdown FILE]");
    Console.Error.WriteLine("       singanseg-bench orchestration [--images 200] [--accept 1000] [--save FILE] [--markdown FILE]");
    Console.Error.WriteLine("       singanseg-bench style [--reference DIR] [--threads 2] [--steps 5] [--batches 1,4,8] [--image FILE] [--baseline FILE] [--save FILE] [--markdown FILE]");
    Console.Error.WriteLine("       (every command: --name value, or --name=value for a value that starts with \"--\")");
    return 2;
}
var repo = Args.RepoRoot();
var image = options.Get("image") ?? Path.Combine(repo, "samples", "kvasir-seg", "images", "cju0tl3uz8blh0993wxvn7ly3.jpg");
var mask = options.Get("mask") ?? Path.Combine(repo, "samples", "kvasir-seg", "masks", Path.GetFileName(image));
var work = Path.Combine(Path.GetTempPath(), $"singanseg-bench-{Environment.ProcessId}");
var result = EngineBenchmark.Run(image, mask, options.Get("preset") ?? "paper", options.Int("iterations", 50), options.Int("threads", 2), options.Int("samples", 100), work, options.Get("reference"));
Directory.Delete(work, recursive: true);
var baseline = options.Get("baseline") is { } b && File.Exists(b) ? JsonSerializer.Deserialize<EngineResult>(File.ReadAllText(b), Report.Json) : null;
var table = Report.Table(result, baseline);
Console.WriteLine(table);
if (options.Get("save") is { } save) File.WriteAllText(save, JsonSerializer.Serialize(result, Report.Json));
if (options.Get("markdown") is { } md) Report.WriteSection(md, "engine", table);
return 0;

// The paper geometry's training blocks (channels, height, width) that the layout and Winograd candidates time.
static (int N, int H, int W)[] PaperTrainingBlocks() => [(32, 25, 30), (32, 56, 66), (64, 96, 112), (64, 163, 192), (128, 213, 250)];
