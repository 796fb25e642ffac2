using SinGanSeg.Core.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Imaging;

/// <summary>Conversions between pixels and the reference's normalised tensor space.</summary>
public static class TensorImage
{
    /// <summary>
    /// [1, 4, H, W] float32: x/255 in float64, cast to float32, then (x − 0.5)·2 clamped to [−1, 1]
    /// in float32 — the reference's np2torch, whose rounding the later uint8 truncation depends on.
    /// </summary>
    public static Tensor ToTensor(ImagePair pair, Device device)
    {
        var (h, w) = (pair.Height, pair.Width);
        var plane = h * w;
        var values = new float[4 * plane];
        var src = pair.Rgbm;
        for (var i = 0; i < plane; i++)
            for (var c = 0; c < 4; c++)
                values[c * plane + i] = (float)(src[i * 4 + c] / 255.0);
        // Every temporary lives in the scope: TorchSharp does not keep a tensor alive across its
        // own native call, so an unreferenced temporary can be finalised mid-operation.
        using var scope = NewDisposeScope();
        var raw = tensor(values, [1, 4, h, w]);
        var normalised = raw.Minus(0.5).Times(2).Clamped(-1, 1);
        return (device.type == DeviceType.CPU ? normalised : normalised.to(device)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Splits generated samples [B, 4, H, W] into interleaved RGB bytes (truncated, as
    /// matplotlib's imsave does) and 0/255 masks thresholded at 0.5 after denormalisation.
    /// </summary>
    public static IReadOnlyList<(byte[] Rgb, byte[] Mask)> ToPixels(Tensor samples)
    {
        using var scope = NewDisposeScope();
        var cpu = samples.detach().cpu();
        var rgb = Imaging.MatlabResize.ToUint8(cpu[.., ..3]).permute(0, 2, 3, 1).contiguous();
        var mask = cpu[.., 3].Plus(1).Over(2).GreaterThan(0.5).to(ScalarType.Byte).Times(255).contiguous();
        var (b, h, w) = ((int)cpu.shape[0], (int)cpu.shape[2], (int)cpu.shape[3]);
        var rgbBytes = rgb.bytes.ToArray();
        var maskBytes = mask.bytes.ToArray();
        var result = new List<(byte[], byte[])>(b);
        for (var i = 0; i < b; i++)
            result.Add((rgbBytes.AsSpan(i * h * w * 3, h * w * 3).ToArray(), maskBytes.AsSpan(i * h * w, h * w).ToArray()));
        return result;
    }
}
