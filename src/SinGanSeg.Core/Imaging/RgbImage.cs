using SinGanSeg.Core.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Imaging;

/// <summary>H×W interleaved RGB bytes: what style transfer and SIFID read and write.</summary>
public sealed class RgbImage
{
    public RgbImage(string name, int height, int width, byte[] rgb)
    {
        if (rgb.Length != height * width * 3)
            throw new ArgumentException($"expected {height * width * 3} bytes for {height}x{width} RGB, got {rgb.Length}", nameof(rgb));
        Name = name;
        Height = height;
        Width = width;
        Rgb = rgb;
    }

    public string Name { get; }
    public int Height { get; }
    public int Width { get; }
    public byte[] Rgb { get; }

    /// <summary>[1, 3, H, W] float32 in [0, 1] (x/255, as torchvision's ToTensor).</summary>
    public Tensor ToTensor01(Device device)
    {
        using var scope = NewDisposeScope();
        var hwc = tensor(Rgb, [Height, Width, 3]);
        var chw = hwc.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32).Over(255.0f).contiguous();
        return (device.type == DeviceType.CPU ? chw : chw.to(device)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// From [1, 3, H, W] or [3, H, W] in [0, 1]: clipped, then scaled and rounded to bytes
    /// (the reference saves with matplotlib, which rounds floats in [0, 1] the same way).
    /// </summary>
    public static RgbImage FromTensor01(string name, Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = image.dim() == 4 ? image[0] : image;
        var bytes = x.detach().cpu().Clamped(0, 1).Times(255).round().to(ScalarType.Byte).permute(1, 2, 0).contiguous();
        var (h, w) = ((int)x.shape[1], (int)x.shape[2]);
        return new RgbImage(name, h, w, bytes.bytes.ToArray());
    }
}
