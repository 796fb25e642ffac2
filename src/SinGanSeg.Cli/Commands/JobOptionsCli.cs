using System.CommandLine;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Training;
using SinGanSeg.Grains.Images;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// What a job asks for, as options: `run` (on this machine) and `submit` (to a cluster) take the
/// same ones from here, so a job means the same thing whichever way it is started.
/// </summary>
public sealed class JobOptionsCli
{
    public Option<int> Samples { get; } = new("--samples-per-image") { Description = "synthetic pairs per training image", DefaultValueFactory = _ => 10 };
    public Option<string> Preset { get; } = PresetOption();
    public Option<int?> Iterations { get; } = new("--iters") { Description = "iterations per scale (overrides the preset)" };
    public Option<int?> MaxSize { get; } = new("--max-size") { Description = "finest scale's long side (overrides the preset)" };
    public Option<int> GenStartScale { get; } = new("--gen-start-scale") { Description = "scales below this keep the training image's layout; the model's scale count = reconstruction", DefaultValueFactory = _ => 0 };
    public Option<int> MaxAttempts { get; } = new("--max-attempts") { Description = "tries per image before it is given up", DefaultValueFactory = _ => 3 };
    public Option<bool> AllowEmptyMask { get; } = new("--allow-empty-mask") { Description = "accept masks without foreground" };
    public Option<long> Seed { get; } = CommonOptions.Seed("training and sampling");
    public StyleOptionsCli Style { get; } = StyleOptionsCli.Create();
    public Option<bool> Evaluate { get; } = new("--evaluate") { Description = "after the dataset, train segmenters on real vs synthetic data by cross-validation" };
    public Option<string> EvalModel { get; } = new("--eval-model") { Description = "evaluation segmenters: unetpp, unet (plain U-Net from scratch) or unetpp,unet", DefaultValueFactory = _ => "unetpp" };
    public Option<int> EvalFolds { get; } = new("--eval-folds") { Description = "evaluation folds", DefaultValueFactory = _ => 3 };
    public Option<int> EvalEpochs { get; } = new("--eval-epochs") { Description = "evaluation epochs: passes over the largest training set, the same gradient steps for every run", DefaultValueFactory = _ => 50 };
    public Option<int> EvalImageSize { get; } = new("--eval-image-size") { Description = "evaluation image size (multiple of 32)", DefaultValueFactory = _ => 128 };
    public Option<double?> EvalMixRealShare { get; } = new("--eval-mix-real-share") { Description = EvaluationOptionsCli.MixRealShareHelp };
    public Option<string?> EvalSets { get; } = new("--eval-sets") { Description = EvaluationOptionsCli.SetsHelp };

    public GateOptionsCli Gates { get; } = GateOptionsCli.Create();

    public IEnumerable<Option> All =>
    [
        Samples, Preset, Iterations, MaxSize, GenStartScale, MaxAttempts, AllowEmptyMask, Seed,
        Style.Ratio, Style.Network, Style.Steps, Style.NoScore, Evaluate, EvalFolds, EvalEpochs, EvalImageSize, EvalModel, EvalMixRealShare, EvalSets,
        .. Gates.All,
    ];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Add(option);
    }

    public JobOptionValues Read(ParseResult parse)
    {
        var gates = Gates.Read(parse);
        return new(
        parse.GetValue(Preset)!,
        parse.GetValue(Iterations),
        parse.GetValue(MaxSize),
        parse.GetValue(Samples),
        parse.GetValue(Seed),
        parse.GetValue(GenStartScale),
        parse.GetValue(MaxAttempts),
        parse.GetValue(AllowEmptyMask),
        Style.Read(parse),
        !parse.GetValue(Style.NoScore),
        parse.GetValue(Evaluate)
            ? new EvaluationSettings(parse.GetValue(EvalFolds), parse.GetValue(EvalEpochs), parse.GetValue(EvalImageSize), Models: EvaluationOptionsCli.ParseModels(parse.GetValue(EvalModel)),
                MixRealShare: parse.GetValue(EvalMixRealShare), Sets: EvaluationOptionsCli.ParseSets(parse.GetValue(EvalSets)))
            : null,
        gates);
    }

    private static Option<string> PresetOption()
    {
        var preset = new Option<string>("--preset") { Description = "paper, fast, quick or tiny", DefaultValueFactory = _ => "paper" };
        preset.AcceptOnlyFromAmong([.. Presets.Names]);
        return preset;
    }
}

/// <summary>The job options read from a command line; property names are the API's submission fields (Gates: gates and gateTries).</summary>
public sealed record JobOptionValues(
    string Preset,
    int? Iterations,
    int? MaxSize,
    int SamplesPerImage,
    long Seed,
    int GenStartScale,
    int MaxAttempts,
    bool AllowEmptyMasks,
    StyleOptions? Style,
    bool Score,
    EvaluationSettings? Evaluate,
    GateDefaults? Gates = null)
{
    public JobSpec ToSpec(string jobId, IReadOnlyList<ImageInput> images) => new(
        jobId, images, new TrainingOptions(Preset, MaxSize, null, Iterations),
        SamplesPerImage, Seed, GenStartScale, MaxAttempts, AllowEmptyMasks, Style, Score, Evaluate,
        GateRegistry.Settings(Gates ?? new GateDefaults()));
}
