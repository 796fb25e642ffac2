using SinGanSeg.Core.Execution;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Model;

/// <summary>
/// The reference's weights_init (conv weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02) and
/// biases 0) plus PyTorch's default conv-bias init, which the reference leaves in place. All
/// draws come from the given generator so a seeded model is reproducible whatever else runs in
/// the process. (TorchSharp 0.107's nn.init.normal_/uniform_ ignore their generator argument
/// and draw from the global one, hence the explicit draws here.)
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
                    InitConv(conv.weight!, conv.bias, generator);
                    break;
                case NarrowConv2d narrow:
                    InitConv(narrow.Weight, narrow.Bias, generator);
                    break;
                case BatchNorm norm:
                    Normal(norm.weight!, 1.0, 0.02, generator);
                    norm.bias!.zero_();
                    break;
            }
        }
    }

    private static void InitConv(Tensor weight, Tensor? bias, Generator generator)
    {
        Normal(weight, 0.0, 0.02, generator);
        if (bias is null) return;
        var bound = 1.0 / Math.Sqrt(weight.shape[1] * weight.shape[2] * weight.shape[3]);
        using var scope = NewDisposeScope();
        bias.copy_(rand(bias.shape, ScalarType.Float32, CPU, generator: generator).Times(2 * bound).Minus(bound));
    }

    private static void Normal(Tensor target, double mean, double std, Generator generator)
    {
        using var scope = NewDisposeScope();
        target.copy_(randn(target.shape, ScalarType.Float32, CPU, generator: generator).Times(std).Plus(mean));
    }
}
