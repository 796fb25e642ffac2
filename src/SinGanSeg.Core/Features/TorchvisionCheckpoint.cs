using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Features;

/// <summary>
/// Loads a torchvision state dict (torch.save(model.state_dict())) into one of our networks by
/// name through PyBridge, failing with the file and the exact missing/unexpected keys: a user who
/// points at the wrong network's file must learn that from the message, not from odd images.
/// </summary>
public static class TorchvisionCheckpoint
{
    /// <param name="ignoredPrefixes">Keys the file holds that this module deliberately omits (e.g. VGG's classifier).</param>
    public static void Load(nn.Module module, string path, string networkName, params string[] ignoredPrefixes)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{networkName} weights not found: {path} (give a torchvision state-dict .pth file)", path);
        var loaded = new Dictionary<string, bool>();
        try
        {
            module.load_py(path, strict: false, loadedParameters: loaded);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException or NotImplementedException or IOException)
        {
            throw new InvalidDataException($"{path}: not a torchvision {networkName} state dict: {e.Message}", e);
        }
        var missing = module.state_dict().Keys.Where(k => !loaded.ContainsKey(k)).ToList();
        var unexpected = loaded.Where(kv => !kv.Value && !ignoredPrefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal)))
            .Select(kv => kv.Key).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException(
                $"{path}: state dict does not fit {networkName} " +
                $"(missing: {(missing.Count == 0 ? "none" : string.Join(", ", missing.Take(10)))}; " +
                $"unexpected: {(unexpected.Count == 0 ? "none" : string.Join(", ", unexpected.Take(10)))}). " +
                "Use the torchvision file for this network; the module should be discarded after this error.");
    }
}
