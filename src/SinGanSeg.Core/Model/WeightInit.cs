using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Model;

/// <summary>
/// The reference's weights_init (conv weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02) and
/// biases 0) plus PyTorch's default conv-bias init, which the reference leaves in place. All
/// draws come from the given generator so a seeded model is reproducible whatever else runs
/// in the process.
/// </summary>
public static class WeightInit
{
    public static void Apply(nn.Module module, Generator generator)
    {
        using var _ = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.normal_(conv.weight!, 0.0, 0.02, generator);
                    if (conv.bias is { } bias)
                    {
                        var fanIn = conv.weight!.shape[1] * conv.weight.shape[2] * conv.weight.shape[3];
                        var bound = 1.0 / Math.Sqrt(fanIn);
                        nn.init.uniform_(bias, -bound, bound, generator);
                    }
                    break;
                case NarrowConv2d narrow:
                    nn.init.normal_(narrow.Weight, 0.0, 0.02, generator);
                    var narrowBound = 1.0 / Math.Sqrt(narrow.Weight.shape[1] * narrow.Weight.shape[2] * narrow.Weight.shape[3]);
                    nn.init.uniform_(narrow.Bias, -narrowBound, narrowBound, generator);
                    break;
                case BatchNorm2d norm:
                    nn.init.normal_(norm.weight!, 1.0, 0.02, generator);
                    nn.init.zeros_(norm.bias!);
                    break;
            }
        }
    }
}
