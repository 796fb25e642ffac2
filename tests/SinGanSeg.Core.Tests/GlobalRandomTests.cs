using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Model;
using SinGanSeg.Core.Segmentation;
using SinGanSeg.Core.Tests.Segmentation;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A seeded model starts from the same weights while other threads build modules, as a silo's
/// evaluation or mask agreement segmenter is built while SinGAN trainings on other slots build
/// their generators and critics (each scale, from the process-wide generator). In the collection
/// that runs alone: tests of other classes build modules without the lock.
/// </summary>
[Collection(GlobalGeneratorCollection.Name)]
public class GlobalRandomTests
{
    [Fact]
    public async Task Seeded_models_start_the_same_while_other_threads_build_modules()
    {
        Native.TorchRuntime.EnsureLoaded();
        var config = new UNetConfig { Widths = [16, 32] };
        var shape = NetworkShape.ForScale(0, channels: 4, baseWidth: 32, baseMinWidth: 32, layers: 5, kernelSize: 3);
        float[] expected;
        using (var quiet = SeededInit.Create(3, () => new UNet(config))) expected = Weights(quiet);

        using var stop = new CancellationTokenSource();
        // What SinGanTrainer does at every scale (through GlobalRandom), on two other threads.
        var builders = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            var built = 0;
            while (!stop.IsCancellationRequested)
            {
                var (g, d) = GlobalRandom.Draw(() => (new SinGanGenerator(shape), new SinGanDiscriminator(shape)));
                g.Dispose();
                d.Dispose();
                built++;
            }
            return built;
        }, TaskCreationOptions.LongRunning)).ToArray();
        var differing = new List<int>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                using var model = SeededInit.Create(3, () => new UNet(config));
                if (!Weights(model).SequenceEqual(expected)) differing.Add(i);
            }
        }
        finally
        {
            stop.Cancel();
        }
        Assert.All(await Task.WhenAll(builders), built => Assert.True(built > 0));
        Assert.Empty(differing);
    }

    private static float[] Weights(nn.Module model) =>
        [.. model.parameters().SelectMany(p => p.data<float>().ToArray())];
}
