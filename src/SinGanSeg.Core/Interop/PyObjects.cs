namespace SinGanSeg.Core.Interop;

/// <summary>A reference to a Python global (class or function) named in a pickle.</summary>
public sealed record PyGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>
/// An instance of a Python class the reader does not translate (for example an nn.Module):
/// its class, constructor arguments and the state that BUILD gave it (usually its __dict__).
/// </summary>
public sealed class PyObject(PyGlobal type, IReadOnlyList<object?> args)
{
    public PyGlobal Type { get; } = type;
    public IReadOnlyList<object?> Args { get; } = args;
    public object? State { get; set; }

    /// <summary>Items added by SETITEM(S) or APPEND(S) on an object that is not a plain dict or list.</summary>
    public PyDict Items { get; } = new();

    /// <summary>Looks up a key in the object's state dict (its __dict__ for nn.Module and most classes).</summary>
    public object? Attr(string name) =>
        State is PyDict dict && dict.TryGetValue(name, out var value)
            ? value
            : throw new PickleFormatException($"{Type} has no attribute '{name}' in its pickled state");

    public override string ToString() => $"<{Type}>";
}

/// <summary>A Python dict with its insertion order (pickled OrderedDicts and state dicts depend on it).</summary>
public sealed class PyDict : IEnumerable<KeyValuePair<object, object?>>
{
    private readonly List<object> _order = [];
    private readonly Dictionary<object, object?> _values = [];

    public int Count => _order.Count;
    public IEnumerable<object> Keys => _order;

    public object? this[object key]
    {
        get => _values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"key '{key}' not in pickled dict");
        set
        {
            if (!_values.ContainsKey(key)) _order.Add(key);
            _values[key] = value;
        }
    }

    public bool TryGetValue(object key, out object? value) => _values.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() =>
        _order.Select(k => new KeyValuePair<object, object?>(k, _values[k])).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

public sealed class PickleFormatException : Exception
{
    public PickleFormatException(string message) : base(message) { }

    public PickleFormatException(string message, Exception inner) : base(message, inner) { }
}
