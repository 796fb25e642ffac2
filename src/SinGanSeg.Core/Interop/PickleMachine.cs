using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SinGanSeg.Core.Interop;

/// <summary>
/// A pickle virtual machine for the protocols torch.save writes (2, plus the 3-5 opcodes newer
/// PyTorch versions emit). It builds plain .NET values (long, double, string, bool, byte[],
/// object?[] for tuples, List for lists, <see cref="PyDict"/>) and leaves class instances as
/// <see cref="PyObject"/>; callers translate the globals they understand through the hooks.
/// Why not Razorvine.Pickle: its constructor registry is process-global, and TorchSharp.PyBridge
/// registers entries there that throw on whole pickled modules — exactly what Gs.pth contains.
/// </summary>
public sealed class PickleMachine
{
    private static readonly object Mark = new();

    /// <summary>Real torch.save pickles keep a few thousand values on the stack; a hostile one could push one per byte.</summary>
    private const int MaxStack = 1 << 20;

    private readonly Func<PyGlobal, object?[], object?>? _reduce;
    private readonly Func<object?, object?>? _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];

    /// <param name="reduce">Returns the value for calling a global with arguments, or null to keep a generic <see cref="PyObject"/>.</param>
    /// <param name="persistentLoad">Resolves a persistent id (torch uses it for tensor storages).</param>
    public PickleMachine(Func<PyGlobal, object?[], object?>? reduce = null, Func<object?, object?>? persistentLoad = null)
    {
        _reduce = reduce;
        _persistentLoad = persistentLoad;
    }

    public object? Load(byte[] data)
    {
        _stack.Clear();
        _memo.Clear();
        var pos = 0;
        while (true)
        {
            if (pos >= data.Length) throw new PickleFormatException("pickle ended without STOP");
            if (_stack.Count > MaxStack) throw new PickleFormatException($"pickle stack deeper than {MaxStack} values");
            var op = data[pos++];
            switch (op)
            {
                case 0x80: pos++; break; // PROTO
                case 0x95: pos += 8; break; // FRAME
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': _stack.Add(Mark); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopMark(); break;
                case (byte)'2': _stack.Add(Peek()); break;
                case (byte)'N': _stack.Add(null); break;
                case 0x88: _stack.Add(true); break;
                case 0x89: _stack.Add(false); break;
                case (byte)'J': _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos))); pos += 4; break;
                case (byte)'K': _stack.Add((long)data[pos++]); break;
                case (byte)'M': _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos))); pos += 2; break;
                case 0x8a: { int n = data[pos++]; _stack.Add(ReadLong(data.AsSpan(pos, n))); pos += n; break; }
                case 0x8b: { var n = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos)); pos += 4; _stack.Add(ReadLong(data.AsSpan(pos, n))); pos += n; break; }
                case (byte)'G': _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(data.AsSpan(pos))); pos += 8; break;
                case (byte)'I': { var line = ReadLine(data, ref pos); _stack.Add(line switch { "01" => true, "00" => false, _ => long.Parse(line) }); break; }
                case (byte)'L': _stack.Add(long.Parse(ReadLine(data, ref pos).TrimEnd('L'))); break;
                case (byte)'F': _stack.Add(double.Parse(ReadLine(data, ref pos), System.Globalization.CultureInfo.InvariantCulture)); break;
                case (byte)'X': { var n = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos)); pos += 4; _stack.Add(Encoding.UTF8.GetString(data, pos, n)); pos += n; break; }
                case 0x8c: { int n = data[pos++]; _stack.Add(Encoding.UTF8.GetString(data, pos, n)); pos += n; break; }
                case 0x8d: { var n = (int)BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(pos)); pos += 8; _stack.Add(Encoding.UTF8.GetString(data, pos, n)); pos += n; break; }
                case (byte)'U': { int n = data[pos++]; _stack.Add(Encoding.Latin1.GetString(data, pos, n)); pos += n; break; }
                case (byte)'T': { var n = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos)); pos += 4; _stack.Add(Encoding.Latin1.GetString(data, pos, n)); pos += n; break; }
                case (byte)'C': { int n = data[pos++]; _stack.Add(data.AsSpan(pos, n).ToArray()); pos += n; break; }
                case (byte)'B': { var n = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos)); pos += 4; _stack.Add(data.AsSpan(pos, n).ToArray()); pos += n; break; }
                case 0x8e: { var n = (int)BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(pos)); pos += 8; _stack.Add(data.AsSpan(pos, n).ToArray()); pos += n; break; }
                case (byte)')': _stack.Add(Array.Empty<object?>()); break;
                case 0x85: _stack.Add(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b, c }); break; }
                case (byte)'t': _stack.Add(PopMark().ToArray()); break;
                case (byte)']': _stack.Add(new List<object?>()); break;
                case (byte)'l': _stack.Add(PopMark()); break;
                case (byte)'a': { var v = Pop(); AppendTo(Peek(), [v]); break; }
                case (byte)'e': { var items = PopMark(); AppendTo(Peek(), items); break; }
                case (byte)'}': _stack.Add(new PyDict()); break;
                case (byte)'d': { var items = PopMark(); var d = new PyDict(); SetItems(d, items); _stack.Add(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(Peek(), [k, v]); break; }
                case (byte)'u': { var items = PopMark(); SetItems(Peek(), items); break; }
                case 0x8f: _stack.Add(new List<object?>()); break; // EMPTY_SET: a list is enough here
                case 0x90: { var items = PopMark(); AppendTo(Peek(), items); break; }
                case 0x91: _stack.Add(PopMark()); break;
                case (byte)'p': _memo[long.Parse(ReadLine(data, ref pos))] = Peek(); break;
                case (byte)'q': _memo[data[pos++]] = Peek(); break;
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos))] = Peek(); pos += 4; break;
                case 0x94: _memo[_memo.Count] = Peek(); break;
                case (byte)'g': _stack.Add(Memo(long.Parse(ReadLine(data, ref pos)))); break;
                case (byte)'h': _stack.Add(Memo(data[pos++])); break;
                case (byte)'j': _stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos)))); pos += 4; break;
                case (byte)'c':
                {
                    var module = ReadLine(data, ref pos);
                    var name = ReadLine(data, ref pos);
                    _stack.Add(new PyGlobal(module, name));
                    break;
                }
                case 0x93: { var name = (string)Pop()!; var module = (string)Pop()!; _stack.Add(new PyGlobal(module, name)); break; }
                case (byte)'R': { var args = AsArgs(Pop()); var callable = Pop(); _stack.Add(Call(callable, args)); break; }
                case 0x81: { var args = AsArgs(Pop()); var cls = Pop(); _stack.Add(Call(cls, args)); break; }
                case 0x92: { Pop(); var args = AsArgs(Pop()); var cls = Pop(); _stack.Add(Call(cls, args)); break; }
                case (byte)'b': { var state = Pop(); Build(Peek(), state); break; }
                case (byte)'Q': _stack.Add(PersistentLoad(Pop())); break;
                case (byte)'P': _stack.Add(PersistentLoad(ReadLine(data, ref pos))); break;
                default:
                    throw new PickleFormatException($"unsupported pickle opcode 0x{op:x2} at byte {pos - 1}");
            }
        }
    }

    private object? Call(object? callable, object?[] args)
    {
        if (callable is not PyGlobal global)
            throw new PickleFormatException($"pickle calls a non-global ({callable?.GetType().Name ?? "None"})");
        var value = _reduce?.Invoke(global, args);
        if (value is not null) return value;
        return global switch
        {
            { Module: "collections", Name: "OrderedDict" } => new PyDict(),
            { Module: "copyreg" or "copy_reg", Name: "_reconstructor" } when args is [PyGlobal cls, ..] => new PyObject(cls, []),
            { Module: "builtins" or "__builtin__", Name: "set" or "frozenset" or "list" } => args.Length > 0 && args[0] is List<object?> l ? l : new List<object?>(),
            _ => new PyObject(global, args),
        };
    }

    private static void Build(object? target, object? state)
    {
        switch (target)
        {
            case PyObject obj:
                obj.State = state;
                break;
            case PyDict dict when state is PyDict extra:
                foreach (var (k, v) in extra) dict[k] = v;
                break;
            default:
                // Tensors carry (requires_grad-style) state tuples in some versions; nothing to keep.
                break;
        }
    }

    private object? PersistentLoad(object? pid) =>
        _persistentLoad is null ? throw new PickleFormatException("pickle has persistent ids but no loader was given") : _persistentLoad(pid);

    private static void AppendTo(object? target, List<object?> items)
    {
        switch (target)
        {
            case List<object?> list: list.AddRange(items); break;
            case PyObject obj: foreach (var item in items) obj.Items[obj.Items.Count] = item; break;
            default: throw new PickleFormatException($"APPEND on {target?.GetType().Name ?? "None"}");
        }
    }

    private static void SetItems(object? target, List<object?> items)
    {
        var dict = target switch
        {
            PyDict d => d,
            PyObject obj => obj.Items,
            _ => throw new PickleFormatException($"SETITEM on {target?.GetType().Name ?? "None"}"),
        };
        for (var i = 0; i + 1 < items.Count; i += 2)
            dict[items[i] ?? throw new PickleFormatException("None used as a dict key")] = items[i + 1];
    }

    private static object?[] AsArgs(object? value) => value switch
    {
        object?[] tuple => tuple,
        null => [],
        _ => throw new PickleFormatException("REDUCE arguments are not a tuple"),
    };

    private object? Memo(long key) =>
        _memo.TryGetValue(key, out var value) ? value : throw new PickleFormatException($"memo key {key} missing");

    private object? Pop()
    {
        if (_stack.Count == 0) throw new PickleFormatException("pickle stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new PickleFormatException("pickle stack underflow");

    private List<object?> PopMark()
    {
        var i = _stack.LastIndexOf(Mark);
        if (i < 0) throw new PickleFormatException("pickle MARK missing");
        var items = _stack.GetRange(i + 1, _stack.Count - i - 1);
        _stack.RemoveRange(i, _stack.Count - i);
        return items;
    }

    private static string ReadLine(byte[] data, ref int pos)
    {
        var end = Array.IndexOf(data, (byte)'\n', pos);
        if (end < 0) throw new PickleFormatException("unterminated pickle text field");
        var s = Encoding.ASCII.GetString(data, pos, end - pos);
        pos = end + 1;
        return s;
    }

    private static long ReadLong(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 0 ? 0 : (long)new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
}
