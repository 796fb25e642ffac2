using TorchSharp;
using SinGanSeg.Core.Interop;
using SinGanSeg.Core.IO;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Checkpoints;

/// <summary>Tensor dicts on disk in PyTorch's own format, so Python can torch.load our checkpoints.</summary>
public static class StateDictFile
{
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var dict = new System.Collections.Hashtable();
        foreach (var (k, v) in tensors) dict[k] = v.device.type == DeviceType.CPU ? v : v.cpu();
        using var buffer = new MemoryStream();
        PyTorchPickler.PickleStateDict(buffer, dict, leaveOpen: true);
        AtomicFile.WriteAllBytes(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        foreach (var (k, v) in tensors)
            if (!ReferenceEquals(dict[k], v)) ((Tensor)dict[k]!).Dispose();
    }

    public static Dictionary<string, Tensor> Load(string path) => TorchArchive.LoadTensorDict(path);

    /// <summary>Copies a saved state dict into a module, requiring every name to match.</summary>
    public static void LoadInto(nn.Module module, string path, Device device)
    {
        var dict = Load(path);
        try
        {
            LoadInto(module, dict, device, path);
        }
        finally
        {
            foreach (var t in dict.Values) t.Dispose();
        }
    }

    public static void LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> dict, Device device, string source)
    {
        var own = module.state_dict();
        var missing = own.Keys.Except(dict.Keys).ToList();
        var unexpected = dict.Keys.Except(own.Keys).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"{source}: state dict does not fit {module.GetName()} (missing: {string.Join(", ", missing.Take(5))}; unexpected: {string.Join(", ", unexpected.Take(5))})");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, target) in own)
        {
            var value = dict[name];
            if (!value.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"{source}: {name} has shape [{string.Join(",", value.shape)}], the model expects [{string.Join(",", target.shape)}]");
            target.copy_(value.to(target.dtype).to(device));
        }
    }
}
