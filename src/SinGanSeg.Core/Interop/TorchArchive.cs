using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Interop;

/// <summary>
/// Reads files written by PyTorch's torch.save (zip format, PyTorch 1.6+): any pickled value,
/// with tensors rebuilt as contiguous TorchSharp tensors on the CPU. Views that share a storage
/// (and non-contiguous ones such as the transposed tensors in SinGAN's reals.pth) are rebuilt
/// from the storage with their own size, stride and offset, then copied out. Every size the file
/// declares is checked against <see cref="TorchArchiveLimits"/> before anything is allocated, and
/// any malformation ends in a <see cref="PickleFormatException"/> naming the file.
/// </summary>
public static class TorchArchive
{
    /// <summary>Loads the pickled root object. The caller owns every tensor in the result.</summary>
    public static object? Load(string path) => Load(path, TorchArchiveLimits.Default);

    public static object? Load(string path, TorchArchiveLimits limits)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        var built = new List<Tensor>();
        try
        {
            var root = LoadUnchecked(path, limits, built);
            CheckShape(root, limits.MaxDepth);
            return root;
        }
        catch (Exception e)
        {
            foreach (var t in built) t.Dispose();
            if (e is PickleFormatException p) throw p.Message.StartsWith(path, StringComparison.Ordinal) ? p : new PickleFormatException($"{path}: {p.Message}", p);
            // A parser boundary: whatever a malformed file trips over (a short read, a wrong type
            // where a tuple belongs, a bad zip) is reported the same way, never as a crash.
            if (e is InvalidDataException or ArgumentException or IndexOutOfRangeException or InvalidCastException or OverflowException
                or FormatException or KeyNotFoundException or NullReferenceException or EndOfStreamException or NotSupportedException
                or System.Runtime.InteropServices.ExternalException)
                throw new PickleFormatException($"{path}: not a readable torch.save file ({e.Message})", e);
            throw;
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

    /// <summary>Disposes every tensor reachable from a loaded value (iteratively, each value once).</summary>
    public static void DisposeTensors(object? value)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object?>();
        pending.Push(value);
        while (pending.TryPop(out var node))
        {
            if (node is null || !seen.Add(node)) continue;
            if (node is Tensor t) t.Dispose();
            else foreach (var child in Children(node)) pending.Push(child);
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

    private static IEnumerable<object?> Children(object node) => node switch
    {
        PyDict d => d.SelectMany(kv => new[] { kv.Key, kv.Value }),
        List<object?> l => l,
        object?[] a => a,
        PyObject o => o.Args.Append(o.State).Append(o.Items),
        _ => [],
    };

    /// <summary>
    /// Refuses a value that nests deeper than the limit or contains itself (DUP and APPEND can build
    /// both): code walking the result recursively would otherwise overflow the stack, which no catch
    /// survives. Post-order with each node's height remembered, so shared values cost one visit.
    /// </summary>
    private static void CheckShape(object? root, int maxDepth)
    {
        if (root is null) return;
        var height = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(object Node, bool Exit)>();
        pending.Push((root, false));
        while (pending.TryPop(out var item))
        {
            var (node, exit) = item;
            if (exit)
            {
                onPath.Remove(node);
                var h = 0;
                foreach (var child in Children(node))
                    if (child is not null && height.TryGetValue(child, out var ch)) h = Math.Max(h, ch + 1);
                if (h > maxDepth) throw new PickleFormatException($"the pickled value nests deeper than {maxDepth} levels");
                height[node] = h;
                continue;
            }
            if (height.ContainsKey(node)) continue;
            if (!onPath.Add(node)) throw new PickleFormatException("the pickled value contains itself (a cycle)");
            pending.Push((node, true));
            foreach (var child in Children(node))
            {
                if (child is null || child is string || child.GetType().IsValueType || child is Tensor || child is PyGlobal || child is byte[]) continue;
                if (onPath.Contains(child)) throw new PickleFormatException("the pickled value contains itself (a cycle)");
                if (!height.ContainsKey(child)) pending.Push((child, false));
            }
            if (onPath.Count > maxDepth + 1) throw new PickleFormatException($"the pickled value nests deeper than {maxDepth} levels");
        }
    }

    private static object? LoadUnchecked(string path, TorchArchiveLimits limits, List<Tensor> built)
    {
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
        var totalBytes = 0L;
        try
        {
            var machine = new PickleMachine(
                reduce: (g, args) => Rebuild(g, args, limits, built),
                persistentLoad: pid => LoadStorage(zip, prefix, pid, storages, limits, ref totalBytes));
            return machine.Load(ReadAll(pkl, limits.MaxPickleBytes, "data.pkl"));
        }
        finally
        {
            foreach (var s in storages.Values) s.Dispose();
        }
    }

    private sealed record StorageRef(Tensor Flat);

    private static object? Rebuild(PyGlobal g, object?[] args, TorchArchiveLimits limits, List<Tensor> built)
    {
        switch (g.Module, g.Name)
        {
            case ("torch._utils", "_rebuild_tensor_v2"):
            case ("torch._utils", "_rebuild_tensor"):
            {
                if (args.Length < 4 || args[0] is not StorageRef storage || args[1] is not long offset || args[2] is not object?[] sizeArg || args[3] is not object?[] strideArg)
                    throw new PickleFormatException("a tensor is not (storage, offset, size, stride)");
                var size = sizeArg.Select(o => o as long? ?? throw new PickleFormatException("a tensor size is not an integer")).ToArray();
                var stride = strideArg.Select(o => o as long? ?? throw new PickleFormatException("a tensor stride is not an integer")).ToArray();
                CheckView(size, stride, offset, storage.Flat.NumberOfElements, limits);
                using var scope = NewDisposeScope();
                var tensor = storage.Flat.as_strided(size, stride, offset).contiguous().clone().MoveToOuterDisposeScope();
                built.Add(tensor);
                return tensor;
            }
            case ("torch._utils", "_rebuild_parameter"):
            case ("torch._utils", "_rebuild_parameter_with_state"):
                return args.Length > 0 ? args[0] : throw new PickleFormatException("a parameter without its tensor");
            default:
                return null;
        }
    }

    /// <summary>
    /// A view must stay inside its storage, and must not repeat elements: a zero stride on a
    /// dimension longer than one would let a few bytes of storage stand for any number of elements.
    /// </summary>
    private static void CheckView(long[] size, long[] stride, long offset, long storageElements, TorchArchiveLimits limits)
    {
        if (size.Length != stride.Length) throw new PickleFormatException($"a tensor has {size.Length} sizes but {stride.Length} strides");
        if (offset < 0) throw new PickleFormatException($"a tensor has a negative storage offset {offset}");
        long elements = 1;
        long last = offset;
        for (var i = 0; i < size.Length; i++)
        {
            if (size[i] < 0 || stride[i] < 0) throw new PickleFormatException($"a tensor has size {size[i]} and stride {stride[i]} in dimension {i}");
            if (size[i] > 1 && stride[i] == 0) throw new PickleFormatException($"a tensor has stride 0 in dimension {i} of size {size[i]} (an expanded view); save it with .contiguous()");
            if (size[i] == 0) elements = 0;
            else if (elements != 0)
            {
                elements = checked(elements * size[i]);
                if (elements > limits.MaxTensorElements) throw new PickleFormatException($"a tensor has more than {limits.MaxTensorElements} elements");
            }
            if (size[i] > 0) last = checked(last + (size[i] - 1) * stride[i]);
        }
        if (elements > 0 && last >= storageElements)
            throw new PickleFormatException($"a tensor reaches element {last} of a storage of {storageElements}");
    }

    private static StorageRef LoadStorage(ZipArchive zip, string prefix, object? pid, Dictionary<string, Tensor> cache, TorchArchiveLimits limits, ref long totalBytes)
    {
        if (pid is not object?[] { Length: >= 5 } tuple || tuple[0] is not "storage")
            throw new PickleFormatException("unknown persistent id");
        var typeName = tuple[1] is PyGlobal g ? g.Name : throw new PickleFormatException("storage without a type");
        var key = tuple[2] as string ?? throw new PickleFormatException("storage without a key");
        var numel = tuple[4] as long? ?? throw new PickleFormatException($"storage {key} without an element count");
        if (!cache.TryGetValue(key, out var flat))
        {
            if (cache.Count >= limits.MaxStorages) throw new PickleFormatException($"more than {limits.MaxStorages} storages");
            var dtype = StorageDtype(typeName);
            var elementSize = ElementSize(dtype);
            if (numel < 0 || numel > limits.MaxStorageBytes / elementSize)
                throw new PickleFormatException($"storage {key} declares {numel} elements, over the limit of {limits.MaxStorageBytes} bytes");
            var expected = numel * elementSize;
            if (totalBytes + expected > limits.MaxTotalBytes)
                throw new PickleFormatException($"the storages hold more than {limits.MaxTotalBytes} bytes together");
            var entry = zip.GetEntry($"{prefix}data/{key}") ?? throw new PickleFormatException($"storage {key} missing from the archive");
            // Read before allocating the tensor, and never more than the declared size plus one byte.
            var bytes = ReadAll(entry, expected, $"storage {key}", exact: true);
            flat = empty(numel, dtype);
            if (numel > 0) flat.bytes = bytes;
            cache[key] = flat;
            totalBytes += expected;
        }
        return new StorageRef(flat);
    }

    private static ScalarType StorageDtype(string storage) => storage switch
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
        _ => throw new PickleFormatException($"unsupported storage type {storage}"),
    };

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    /// <summary>An entry's bytes, at most <paramref name="limit"/> of them whatever its header claims (with <paramref name="exact"/>, exactly that many).</summary>
    private static byte[] ReadAll(ZipArchiveEntry entry, long limit, string what, bool exact = false)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream((int)Math.Min(Math.Max(0, Math.Min(entry.Length, limit)), 1 << 20));
        var buffer = new byte[81920];
        int read;
        while ((read = s.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + read > limit)
                throw new PickleFormatException(exact ? $"{what} holds more than the {limit} bytes it declares" : $"{what} is larger than {limit} bytes");
            ms.Write(buffer, 0, read);
        }
        if (exact && ms.Length != limit) throw new PickleFormatException($"{what} holds {ms.Length} bytes, expected {limit}");
        return ms.ToArray();
    }
}
