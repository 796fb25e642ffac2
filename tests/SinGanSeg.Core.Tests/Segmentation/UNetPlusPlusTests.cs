using SinGanSeg.Core.Execution;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Core.Segmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests.Segmentation;

public sealed class UNetPlusPlusTests
{
    private static readonly UNetPlusPlusConfig Small = new() { DecoderChannels = [32, 32, 16, 16, 16] };

    [Fact]
    public void Outputs_have_the_input_size_and_deep_supervision_adds_heads_in_training_only()
    {
        using var scope = NewDisposeScope();
        using var model = UNetPlusPlus.WithBundledEncoder(Small with { DeepSupervision = true });
        var x = rand([2, 3, 64, 96], generator: new Generator(1));
        model.train();
        var train = model.call(x);
        Assert.Equal(4, train.Length);
        Assert.All(train, t => Assert.Equal(new long[] { 2, 2, 64, 96 }, t.shape));
        model.eval();
        var eval = model.call(x);
        Assert.Single(eval);
        Assert.Equal(new long[] { 2, 2, 64, 96 }, eval[0].shape);
        Assert.Contains("multiples of 32", Assert.Throws<ArgumentException>(() => model.call(rand([1, 3, 60, 64]))).Message);
    }

    [Fact]
    public void The_nested_decoder_has_the_dense_skip_widths_of_unet_plus_plus()
    {
        using var model = UNetPlusPlus.WithBundledEncoder(new UNetPlusPlusConfig());
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        // x_0_3: upsampled x_0_2 (64) with x_1_3, x_2_3, x_3_3 and the stem (64 each) — the dense skips.
        Assert.Equal(new long[] { 32, 64 + 4 * 64, 3, 3 }, shapes["blocks.x_0_3.conv1.0.weight"]);
        // x_1_3: upsampled x_1_2 (64) with x_2_3, x_3_3 and the stem.
        Assert.Equal(new long[] { 64, 64 + 3 * 64, 3, 3 }, shapes["blocks.x_1_3.conv1.0.weight"]);
        Assert.Equal(new long[] { 256, 512 + 256, 3, 3 }, shapes["blocks.x_0_0.conv1.0.weight"]);
        Assert.Equal(new long[] { 16, 32, 3, 3 }, shapes["blocks.x_0_4.conv1.0.weight"]);
        Assert.Equal(new long[] { 2, 16, 3, 3 }, shapes["segmentation_head.weight"]);
        Assert.Equal(10 + 1, shapes.Keys.Select(k => k.Split('.')[1]).Where(k => k.StartsWith("x_", StringComparison.Ordinal)).Distinct().Count());
    }

    [Fact]
    public void A_few_training_steps_on_real_pairs_lower_the_dice_loss_and_train_the_encoder()
    {
        using var scope = NewDisposeScope();
        var ids = Directory.GetFiles(Path.Combine(TestData.Polyps, "images"), "*.jpg").Order().Take(6).Select(Path.GetFileNameWithoutExtension).ToList();
        using var data = SegmentationData.Load(ids.Select(id => new SegmentationPair(id!, TestData.PolypImage(id!), TestData.PolypMask(id!))).ToList(), 64);
        Assert.Equal(new long[] { 6, 3, 64, 64 }, data.Images.shape);
        Assert.True(data.Masks.sum().item<float>() > 0);
        using var model = UNetPlusPlus.WithBundledEncoder(Small);
        var encoderWeight = model.named_parameters().First(p => p.name == "encoder.conv1.weight").parameter;
        var before = encoderWeight.detach().clone();
        using var optimizer = new HeldAdam(model.parameters(), 1e-3);   // TorchSharp's Adam makes temporary Scalars (HeldScalars)
        model.train();
        var losses = new List<float>();
        for (var step = 0; step < 25; step++)
        {
            using var inner = NewDisposeScope();
            var loss = DiceLoss.Compute(model.call(data.Images)[0], data.Masks);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            losses.Add(loss.item<float>());
        }
        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average() - 0.05, string.Join(", ", losses.Select(l => l.ToString("F3"))));
        Assert.True(encoderWeight.detach().sub(before).abs().max().item<float>() > 0, "the encoder must be fine-tuned");
    }

    [Fact]
    public void Dice_loss_is_zero_for_a_perfect_prediction_and_near_one_for_the_inverse()
    {
        using var scope = NewDisposeScope();
        var values = new float[64];
        for (var i = 0; i < 64; i++) values[i] = i / 8 < 4 && i % 8 < 4 ? 1 : 0;
        var mask = tensor(values).reshape(1, 1, 8, 8);
        var perfect = cat([mask.neg().add(1), mask], 1).mul(50);
        Assert.True(DiceLoss.Compute(perfect, mask).item<float>() < 0.02);
        Assert.True(DiceLoss.Compute(perfect.neg(), mask).item<float>() > 0.95);
    }

    [Fact]
    public void Augmentation_keeps_masks_binary_and_aligned_and_repeats_with_its_seed()
    {
        using var scope = NewDisposeScope();
        // The red channel is the mask: geometric changes must move both together.
        var masks = rand([8, 1, 64, 64], generator: new Generator(5)).gt(0.7).to(ScalarType.Float32);
        masks = nn.functional.max_pool2d(masks, 5, 1, 2);
        var images = cat([masks, full_like(masks, 0.5), full_like(masks, 0.5)], 1);
        var (a1, m1) = Augmentation.Apply(images, masks, new Generator(9));
        var (a2, m2) = Augmentation.Apply(images, masks, new Generator(9));
        Assert.True(a1.eq(a2).all().item<bool>() && m1.eq(m2).all().item<bool>());
        Assert.True(m1.eq(0).logical_or(m1.eq(1)).all().item<bool>());
        Assert.True(a1.min().item<float>() >= 0 && a1.max().item<float>() <= 1);
        var agreement = a1[.., 0].gt(0.5).eq(m1[.., 0].gt(0.5)).to(ScalarType.Float32).mean().item<float>();
        Assert.True(agreement > 0.9, $"image and mask agree on {agreement:P0} of pixels");
        Assert.False(a1.eq(images).all().item<bool>());
    }
}
