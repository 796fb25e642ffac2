using SinGanSeg.Core.Execution;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Segmentation;

/// <summary>
/// The paper's training augmentations (albumentations in its code), on tensors so a batch is
/// augmented on the training device: horizontal and vertical flips, shift-scale-rotate (±6.25 %
/// shift, ±10 % scale, ±45°, reflected borders; the mask resampled nearest), brightness and
/// contrast (±0.2), gamma (0.8–1.2), Gaussian blur and Gaussian noise. Each image draws its own
/// parameters from the generator, so a seeded run repeats exactly.
/// </summary>
public static class Augmentation
{
    /// <param name="images">N×3×H×W in [0, 1].</param>
    /// <param name="masks">N×1×H×W, 0 or 1.</param>
    public static (Tensor Images, Tensor Masks) Apply(Tensor images, Tensor masks, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var n = images.shape[0];
        var device = images.device;
        Tensor Uniform(double lo, double hi) => rand(n, generator: generator).Times(hi - lo).Plus(lo).to(device);
        Tensor Chance(double p) => rand(n, generator: generator).LessThan(p).to(device);
        Tensor PerImage(Tensor v) => v.view(n, 1, 1, 1);

        // Flips.
        var h = PerImage(Chance(0.5));
        images = where(h, images.flip(3), images);
        masks = where(h, masks.flip(3), masks);
        var v = PerImage(Chance(0.5));
        images = where(v, images.flip(2), images);
        masks = where(v, masks.flip(2), masks);

        // Shift, scale, rotate (half of the images), as one affine sampling grid.
        var apply = Chance(0.5).to(ScalarType.Float32);
        var angle = Uniform(-Math.PI / 4, Math.PI / 4).mul(apply);
        var scale = Uniform(0.9, 1.1).Minus(1).mul(apply).Plus(1);
        var tx = Uniform(-0.0625, 0.0625).mul(apply).Times(2);
        var ty = Uniform(-0.0625, 0.0625).mul(apply).Times(2);
        var cos = angle.cos().div(scale);
        var sin = angle.sin().div(scale);
        var theta = stack([cos, sin.neg(), tx, sin, cos, ty], 1).view(n, 2, 3);
        var grid = functional.affine_grid(theta, [n, 3, images.shape[2], images.shape[3]], align_corners: false);
        images = functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false);
        masks = functional.grid_sample(masks, grid, GridSampleMode.Nearest, GridSamplePaddingMode.Reflection, align_corners: false);

        // Brightness and contrast, then gamma.
        var bc = PerImage(Chance(0.5).to(ScalarType.Float32));
        var contrast = PerImage(Uniform(-0.2, 0.2)).mul(bc).Plus(1);
        var brightness = PerImage(Uniform(-0.2, 0.2)).mul(bc);
        images = images.mul(contrast).Plus(brightness).Clamped(0, 1);
        var g = PerImage(Chance(0.5).to(ScalarType.Float32));
        var gamma = PerImage(Uniform(0.8, 1.2)).Minus(1).mul(g).Plus(1);
        images = images.ClampedBelow(1e-6).pow(gamma);

        // Blur (a 3×3 Gaussian of random width) and noise, each on a fifth of the images.
        var blur = PerImage(Chance(0.2).to(ScalarType.Float32));
        var blurred = GaussianBlur3(images, Uniform(0.3, 1.0));
        images = images.mul(blur.SubtractedFrom(1)).Plus(blurred.mul(blur));
        var noisy = PerImage(Chance(0.2).to(ScalarType.Float32));
        var std = PerImage(Uniform(Math.Sqrt(10) / 255, Math.Sqrt(50) / 255));
        var noise = randn(images.shape, generator: generator).to(device).mul(std).mul(noisy);
        images = images.Plus(noise).Clamped(0, 1);
        return (images.MoveToOuterDisposeScope(), masks.round().MoveToOuterDisposeScope());
    }

    private static Tensor GaussianBlur3(Tensor images, Tensor sigma)
    {
        var n = images.shape[0];
        var offsets = tensor(new float[] { -1, 0, 1 }, device: images.device);
        var k1 = offsets.Squared().unsqueeze(0).div(sigma.Squared().Times(-2).unsqueeze(1)).exp();   // N×3
        k1 = k1.div(k1.sum(1, keepdim: true));
        var k2 = k1.unsqueeze(2).mul(k1.unsqueeze(1));                                           // N×3×3
        var kernels = k2.repeat_interleave(3, dim: 0).unsqueeze(1);                              // (N·3)×1×3×3
        var x = functional.pad(images.reshape(1, n * 3, images.shape[2], images.shape[3]), [1, 1, 1, 1], PaddingModes.Reflect);
        return functional.conv2d(x, kernels, groups: n * 3).reshape(images.shape);
    }
}
