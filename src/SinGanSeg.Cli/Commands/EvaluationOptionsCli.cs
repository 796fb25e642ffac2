using System.CommandLine;
using System.Globalization;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Cli.Commands;

/// <summary>
/// An evaluation's settings as options: `evaluate` (on this machine) and `evaluations submit` (on
/// a cluster) take the same ones from here, with the same defaults as the API's.
/// </summary>
public sealed class EvaluationOptionsCli
{
    // Shared with the job options' --eval-mix-real-share and --eval-sets, which mean the same.
    internal const string MixRealShareHelp = "also train on balanced real+synthetic sets, the real pairs repeated to at least this share (e.g. 0.5)";
    internal const string SetsHelp = "train only these sets, e.g. real,synthetic-raw,real+synthetic-raw-balanced ('real' always among them; default: every set); each run trains as it would among all sets";

    public Option<int> Folds { get; } = new("--folds") { Description = "cross-validation folds over the real images", DefaultValueFactory = _ => 3 };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "passes over the largest training set (every run takes that many gradient steps) and validation rounds per run", DefaultValueFactory = _ => 50 };
    public Option<int?> Steps { get; } = new("--steps") { Description = "gradient steps per run, the same for every model and set (default: from --epochs)" };
    public Option<string> Model { get; } = new("--model") { Description = "segmenters to train: unetpp (ImageNet ResNet18 encoder), unet (plain U-Net from scratch), or unetpp,unet", DefaultValueFactory = _ => "unetpp" };
    public Option<int> ImageSize { get; } = new("--image-size") { Description = "training and test size (square, multiple of 32)", DefaultValueFactory = _ => 128 };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "training batch", DefaultValueFactory = _ => 8 };
    public Option<int?> DropEpoch { get; } = new("--lr-drop-epoch") { Description = "epoch from which Adam runs at a tenth of its rate (default: 4/5 of the epochs)" };
    public Option<double> LearningRate { get; } = new("--learning-rate") { Description = "Adam's rate before the drop (the paper: 1e-4)", DefaultValueFactory = _ => 1e-4 };
    public Option<string?> SmallData { get; } = new("--small-data") { Description = "small-data curve sizes, e.g. 5,10,20: N real images vs the synthetic pairs made from those N" };
    public Option<bool> NoMixed { get; } = new("--no-mixed") { Description = "skip the real+synthetic training sets" };
    public Option<double?> MixRealShare { get; } = new("--mix-real-share") { Description = MixRealShareHelp };
    public Option<string?> Sets { get; } = new("--sets") { Description = SetsHelp };
    public Option<string?> Decoder { get; } = new("--decoder-channels") { Description = "UNet++ decoder widths, five numbers (default 256,128,64,32,16)" };
    public Option<bool> DeepSupervision { get; } = new("--deep-supervision") { Description = "train with UNet++ deep supervision" };
    public Option<long> Seed { get; } = CommonOptions.Seed("splits, augmentation and initialisation");

    public IEnumerable<Option> All => [Folds, Epochs, Steps, Model, ImageSize, BatchSize, DropEpoch, LearningRate, SmallData, NoMixed, MixRealShare, Sets, Decoder, DeepSupervision, Seed];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Add(option);
    }

    public EvaluationSettings Read(ParseResult parse) => new(
        Folds: parse.GetValue(Folds),
        Epochs: parse.GetValue(Epochs),
        ImageSize: parse.GetValue(ImageSize),
        BatchSize: parse.GetValue(BatchSize),
        LearningRateDropEpoch: parse.GetValue(DropEpoch),
        SmallDataSizes: parse.GetValue(SmallData) is { } s ? ParseInts(s, "--small-data") : null,
        Mixed: !parse.GetValue(NoMixed),
        Seed: parse.GetValue(Seed),
        DecoderChannels: parse.GetValue(Decoder) is { } channels ? ParseInts(channels, "--decoder-channels") : null,
        DeepSupervision: parse.GetValue(DeepSupervision),
        LearningRate: parse.GetValue(LearningRate),
        Models: ParseModels(parse.GetValue(Model)),
        Steps: parse.GetValue(Steps),
        MixRealShare: parse.GetValue(MixRealShare),
        Sets: ParseSets(parse.GetValue(Sets)));

    /// <summary>"real,synthetic-raw" as the settings' list; null (every set) when not given, so the fingerprint of such evaluations is unchanged.</summary>
    public static IReadOnlyList<string>? ParseSets(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>"unetpp,unet" as the settings' list; null for the default (UNet++ only) so the fingerprint of such evaluations is unchanged.</summary>
    public static IReadOnlyList<string>? ParseModels(string? text)
    {
        var models = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToLowerInvariant()).ToList();
        var normal = Core.Segmentation.SegmentationModels.Normalize(models);
        return normal.SequenceEqual([Core.Segmentation.SegmentationModels.UNetPlusPlus]) ? null : normal;
    }

    private static int[] ParseInts(string text, string option)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option} takes comma-separated whole numbers, got '{text}'");
        }
    }
}
