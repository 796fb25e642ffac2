using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Features;

/// <summary>
/// Loads torchvision state dicts through PyBridge's unpickler with checks up front. PyBridge's
/// own load_py(strict) fails with TorchSharp's generic message and may have copied part of the
/// file by then; this names the file and every missing, unexpected or misshapen key instead.
/// </summary>
public static class TorchvisionWeights
{
    private const int ListedKeys = 10;

    /// <param name="ignoredPrefixes">Keys the file holds that this module deliberately omits (e.g. VGG's 400 MB classifier).</param>
    public static void LoadStrict(nn.Module module, string path, params string[] ignoredPrefixes)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weights file not found", path);
        Hashtable raw;
        try
        {
            using var stream = File.OpenRead(path);
            raw = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a zip-format torch.save state dict ({e.Message}); legacy pre-1.6 files must be re-saved with a current PyTorch", e);
        }
        var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in raw)
            if (e.Key is string k && e.Value is Tensor t)
            {
                if (ignoredPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))) t.Dispose();
                else loaded[k] = t;
            }
        try
        {
            Check(module, loaded, path);
            using var _ = no_grad();
            module.load_state_dict(loaded, strict: true);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    private static void Check(nn.Module module, Dictionary<string, Tensor> loaded, string path)
    {
        var own = module.state_dict();
        var missing = own.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
        var unexpected = loaded.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misshapen = own.Where(kv => loaded.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} [{string.Join(",", loaded[kv.Key].shape)}] (expected [{string.Join(",", kv.Value.shape)}])")
            .ToList();
        if (missing.Count == 0 && unexpected.Count == 0 && misshapen.Count == 0) return;
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing keys ({missing.Count}): {List(missing)}");
        if (unexpected.Count > 0) parts.Add($"unexpected keys ({unexpected.Count}): {List(unexpected)}");
        if (misshapen.Count > 0) parts.Add($"wrong shapes ({misshapen.Count}): {List(misshapen)}");
        throw new InvalidDataException($"{path}: state dict does not fit {module.GetName()}: {string.Join("; ", parts)}");
    }

    private static string List(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(ListedKeys)) + (keys.Count > ListedKeys ? $", … {keys.Count - ListedKeys} more" : "");
}
