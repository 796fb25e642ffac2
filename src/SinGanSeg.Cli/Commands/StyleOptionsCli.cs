using System.CommandLine;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Cli.Commands;

/// <summary>The job options for style transfer and scoring that run and submit share.</summary>
public sealed record StyleOptionsCli(Option<string?> Ratio, Option<string> Network, Option<int> Steps, Option<bool> NoScore)
{
    public static StyleOptionsCli Create() => new(
        new Option<string?>("--style") { Description = "restyle every sample from its real image with this content:style ratio (the paper: 1:1 or 1:1000); omitted = no style transfer" },
        new Option<string>("--style-network") { Description = "resnet18 (offline, ships with SinGanSeg), vgg16 or vgg19 (need weights on the silos)", DefaultValueFactory = _ => "resnet18" },
        new Option<int>("--style-steps") { Description = "style-transfer optimisation steps per sample", DefaultValueFactory = _ => 1000 },
        new Option<bool>("--no-score") { Description = "skip the SIFID scores" });

    public StyleOptions? Read(ParseResult parse) =>
        parse.GetValue(Ratio) is { } ratio ? new StyleOptions(ratio, parse.GetValue(Network)!, parse.GetValue(Steps)) : null;
}
