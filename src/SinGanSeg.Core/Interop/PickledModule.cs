using static TorchSharp.torch;

namespace SinGanSeg.Core.Interop;

/// <summary>Turns a whole pickled nn.Module into its state dict, walking _parameters, _buffers and _modules as PyTorch does.</summary>
public static class PickledModule
{
    public static Dictionary<string, Tensor> StateDict(PyObject module)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Walk(module, "", result);
        return result;
    }

    private static void Walk(PyObject module, string prefix, Dictionary<string, Tensor> into)
    {
        if (module.State is not PyDict)
            throw new PickleFormatException($"{module.Type} at '{prefix}' was pickled without its __dict__; not an nn.Module");
        var nonPersistent = module.State is PyDict s && s.TryGetValue("_non_persistent_buffers_set", out var np) && np is List<object?> names
            ? names.OfType<string>().ToHashSet()
            : [];
        foreach (var (key, value) in (PyDict)module.Attr("_parameters")!)
            if (value is Tensor t) into[prefix + (string)key] = t;
        foreach (var (key, value) in (PyDict)module.Attr("_buffers")!)
            if (value is Tensor t && !nonPersistent.Contains((string)key)) into[prefix + (string)key] = t;
        foreach (var (key, value) in (PyDict)module.Attr("_modules")!)
            if (value is PyObject child) Walk(child, $"{prefix}{key}.", into);
    }
}
