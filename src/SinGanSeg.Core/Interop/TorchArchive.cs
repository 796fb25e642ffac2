using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Interop;

/// <summary>
/// Reads files written by PyTorch's torch.save (zip format, PyTorch 1.6+): any pickled value,
/// with tensors rebuilt as contiguous TorchSharp tensors on the CPU. Views that share a storage
/// (and non-contiguous ones such as the transposed tensors in SinGAN's reals.pth) are rebuilt
/// from the storage with their own size, stride and offset, then copied out.
/// </summary>
public static class TorchArchive
{
    /// <summary>Loads the pickled root object. The caller owns every tensor in the result.</summary>
    public static object? Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        if (stream.Read(magic) < 4 || magic[0] != 'P' || magic[1] != 'K')
            throw new PickleFormatException($"{path}: not a zip-format torch.save file (legacy pre-1.6 files must be re-saved with a current PyTorch)");
        stream.Position = 0;
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var pkl = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
                      .OrderBy(e => e.FullName.Length).FirstOrDefault()
                  ?? throw new PickleFormatException($"{path}: zip has no data.pkl");
        var prefix = pkl.FullName[..^"data.pkl".Length];
        var storages = new Dictionary<string, Tensor>();
        try
        {
            var machine = new PickleMachine(
                reduce: (g, args) => Rebuild(g, args),
                persistentLoad: pid => LoadStorage(zip, prefix, pid, storages, path));
            return machine.Load(ReadAll(pkl));
        }
        finally
        {
            foreach (var s in storages.Values) s.Dispose();
        }
    }

    /// <summary>Loads a file whose root is a dict of name → tensor (a state dict or a trace).</summary>
    public static Dictionary<string, Tensor> LoadTensorDict(string path)
    {
        var root = Load(path);
        if (root is not PyDict dict)
        {
            DisposeTensors(root);
            throw new PickleFormatException($"{path}: expected a dict of tensors, found {Describe(root)}");
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in dict)
        {
            if (k is string name && v is Tensor t) result[name] = t;
            else DisposeTensors(v);
        }
        return result;
    }

    /// <summary>Disposes every tensor reachable from a loaded value.</summary>
    public static void DisposeTensors(object? value)
    {
        switch (value)
        {
            case Tensor t: t.Dispose(); break;
            case PyDict d: foreach (var (_, v) in d) DisposeTensors(v); break;
            case List<object?> l: foreach (var v in l) DisposeTensors(v); break;
            case object?[] a: foreach (var v in a) DisposeTensors(v); break;
            case PyObject o: DisposeTensors(o.State); DisposeTensors(o.Items); break;
        }
    }

    public static string Describe(object? value) => value switch
    {
        null => "None",
        PyObject o => o.Type.ToString(),
        PyDict => "dict",
        List<object?> => "list",
        object?[] => "tuple",
        Tensor => "tensor",
        _ => value.GetType().Name,
    };

    private sealed record StorageRef(Tensor Flat);

    private static object? Rebuild(PyGlobal g, object?[] args)
    {
        switch (g.Module, g.Name)
        {
            case ("torch._utils", "_rebuild_tensor_v2"):
            case ("torch._utils", "_rebuild_tensor"):
            {
                var storage = (StorageRef)args[0]!;
                var offset = (long)args[1]!;
                var size = ((object?[])args[2]!).Select(o => (long)o!).ToArray();
                var stride = ((object?[])args[3]!).Select(o => (long)o!).ToArray();
                using var scope = NewDisposeScope();
                return storage.Flat.as_strided(size, stride, offset).contiguous().clone().MoveToOuterDisposeScope();
            }
            case ("torch._utils", "_rebuild_parameter"):
            case ("torch._utils", "_rebuild_parameter_with_state"):
                return args[0];
            default:
                return null;
        }
    }

    private static StorageRef LoadStorage(ZipArchive zip, string prefix, object? pid, Dictionary<string, Tensor> cache, string path)
    {
        if (pid is not object?[] { Length: >= 5 } tuple || tuple[0] is not "storage")
            throw new PickleFormatException($"{path}: unknown persistent id");
        var typeName = tuple[1] is PyGlobal g ? g.Name : throw new PickleFormatException($"{path}: storage without a type");
        var key = (string)tuple[2]!;
        var numel = (long)tuple[4]!;
        if (!cache.TryGetValue(key, out var flat))
        {
            var dtype = StorageDtype(typeName, path);
            var entry = zip.GetEntry($"{prefix}data/{key}") ?? throw new PickleFormatException($"{path}: storage {key} missing from the archive");
            var bytes = ReadAll(entry);
            flat = empty(numel, dtype);
            var expected = numel * flat.ElementSize;
            if (bytes.Length != expected)
                throw new PickleFormatException($"{path}: storage {key} holds {bytes.Length} bytes, expected {expected}");
            if (numel > 0) flat.bytes = bytes;
            cache[key] = flat;
        }
        return new StorageRef(flat);
    }

    private static ScalarType StorageDtype(string storage, string path) => storage switch
    {
        "FloatStorage" => ScalarType.Float32,
        "DoubleStorage" => ScalarType.Float64,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        _ => throw new PickleFormatException($"{path}: unsupported storage type {storage}"),
    };

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream((int)Math.Max(0, entry.Length));
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
