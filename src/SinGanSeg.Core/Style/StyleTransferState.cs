using SinGanSeg.Core.Checkpoints;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Style;

/// <summary>
/// Everything needed to continue a batch's optimisation after a crash: the pixels (ImageNet-
/// normalised), Adam's moments and the step. Saved in PyTorch's format like every checkpoint.
/// </summary>
public sealed class StyleTransferState(Tensor pixels, Tensor firstMoment, Tensor secondMoment, int step) : IDisposable
{
    public Tensor Pixels { get; } = pixels;
    public Tensor FirstMoment { get; } = firstMoment;
    public Tensor SecondMoment { get; } = secondMoment;
    public int Step { get; } = step;

    public void Save(string path)
    {
        using var stepTensor = tensor(new long[] { Step });
        StateDictFile.Save(path, new Dictionary<string, Tensor>
        {
            ["pixels"] = Pixels,
            ["exp_avg"] = FirstMoment,
            ["exp_avg_sq"] = SecondMoment,
            ["step"] = stepTensor,
        });
    }

    /// <summary>Reads a saved state, or null when the file is missing or unreadable (then the batch restarts).</summary>
    public static StyleTransferState? TryLoad(string path, Device device)
    {
        if (!File.Exists(path)) return null;
        Dictionary<string, Tensor> d;
        try
        {
            d = StateDictFile.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or Interop.PickleFormatException)
        {
            return null;
        }
        try
        {
            if (!d.ContainsKey("pixels") || !d.ContainsKey("exp_avg") || !d.ContainsKey("exp_avg_sq") || !d.TryGetValue("step", out var s))
                return null;
            var step = (int)s.item<long>();
            return new StyleTransferState(Take(d, "pixels", device), Take(d, "exp_avg", device), Take(d, "exp_avg_sq", device), step);
        }
        finally
        {
            foreach (var t in d.Values) t.Dispose();
        }
    }

    private static Tensor Take(Dictionary<string, Tensor> d, string key, Device device)
    {
        var t = d[key];
        d.Remove(key);
        if (t.device == device) return t;
        var moved = t.to(device);
        t.Dispose();
        return moved;
    }

    public void Dispose()
    {
        Pixels.Dispose();
        FirstMoment.Dispose();
        SecondMoment.Dispose();
    }
}
