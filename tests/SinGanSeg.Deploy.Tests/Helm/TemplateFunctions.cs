using System.Globalization;
using System.Text;

namespace SinGanSeg.Deploy.Tests.Helm;

/// <summary>
/// The Go-template builtins and Sprig/Helm functions the chart may use, with Go's semantics
/// where they matter (int64 arithmetic, eq refusing to compare int with float64, quote of nil).
/// Any other function name fails the render.
/// </summary>
internal sealed class TemplateFunctions(TemplateEvaluator evaluator)
{
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "include", "toYaml", "indent", "nindent", "quote", "default", "required", "fail", "printf",
        "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "empty", "b64enc", "trunc", "trimSuffix",
        "sha256sum", "int", "int64", "add", "sub", "mul", "div", "mod", "toString", "list", "dict", "hasKey", "len", "kindIs",
    };

    public object? Call(string name, List<object?> a, string where, object? dot)
    {
        if (!Supported.Contains(name)) throw new TemplateException($"{where}: function \"{name}\" is not supported by this renderer (see helm/singanseg/README.md)");
        try
        {
            return name switch
            {
                "include" => evaluator.Include(Str(Arg(a, 0, 2)), a[1], where),
                "toYaml" => YamlValues.ToYaml(Arg(a, 0, 1)),
                "indent" => Indent((int)ToInt(Arg(a, 0, 2)), GoValue.Print(a[1])),
                "nindent" => "\n" + Indent((int)ToInt(Arg(a, 0, 2)), GoValue.Print(a[1])),
                "quote" => string.Join(" ", a.Where(x => x is not null).Select(x => YamlValues.GoQuote(StrVal(x)))),
                "default" => a.Count == 2 ? (IsEmpty(a[1]) ? a[0] : a[1]) : a.Count == 1 ? a[0] : throw Wrong(),
                "required" => Required(Str(Arg(a, 0, 2)), a[1]),
                "fail" => throw new TemplateException($"{where}: execution error: {Str(Arg(a, 0, 1))}"),
                "printf" => Printf(Str(a.Count > 0 ? a[0] : throw Wrong()), a.Skip(1).ToList()),
                "eq" => a.Count >= 2 ? a.Skip(1).Any(x => Equal(a[0], x)) : throw Wrong(),
                "ne" => !Equal(Arg(a, 0, 2), a[1]),
                "lt" => Compare(Arg(a, 0, 2), a[1]) < 0,
                "le" => Compare(Arg(a, 0, 2), a[1]) <= 0,
                "gt" => Compare(Arg(a, 0, 2), a[1]) > 0,
                "ge" => Compare(Arg(a, 0, 2), a[1]) >= 0,
                "and" => a.Count == 0 ? throw Wrong() : a.FirstOrDefault(x => !GoValue.IsTrue(x), a[^1]),
                "or" => a.Count == 0 ? throw Wrong() : a.FirstOrDefault(GoValue.IsTrue, a[^1]),
                "not" => !GoValue.IsTrue(Arg(a, 0, 1)),
                "empty" => IsEmpty(Arg(a, 0, 1)),
                "b64enc" => Convert.ToBase64String(Encoding.UTF8.GetBytes(StrVal(Arg(a, 0, 1)))),
                "trunc" => Trunc((int)ToInt(Arg(a, 0, 2)), StrVal(a[1])),
                "trimSuffix" => StrVal(a[1]).EndsWith(Str(Arg(a, 0, 2)), StringComparison.Ordinal) ? StrVal(a[1])[..^Str(a[0]).Length] : StrVal(a[1]),
                "sha256sum" => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(StrVal(Arg(a, 0, 1))))),
                "int" or "int64" => ToInt(Arg(a, 0, 1)),
                "add" => a.Aggregate(0L, (s, x) => s + ToInt(x)),
                "mul" => a.Aggregate(1L, (s, x) => s * ToInt(x)),
                "sub" => ToInt(Arg(a, 0, 2)) - ToInt(a[1]),
                "div" => ToInt(a[1]) == 0 ? throw new TemplateException($"{where}: division by zero") : ToInt(Arg(a, 0, 2)) / ToInt(a[1]),
                "mod" => ToInt(a[1]) == 0 ? throw new TemplateException($"{where}: division by zero") : ToInt(Arg(a, 0, 2)) % ToInt(a[1]),
                "toString" => StrVal(Arg(a, 0, 1)),
                "list" => new List<object?>(a),
                "dict" => Dict(a),
                "hasKey" => Arg(a, 0, 2) is IDictionary<string, object?> m ? m.ContainsKey(Str(a[1])) : throw new TemplateException("hasKey needs a map"),
                "len" => Len(Arg(a, 0, 1)),
                "kindIs" => Str(Arg(a, 0, 2)) == Kind(a[1]),
                _ => throw new TemplateException($"function {name} missing"),
            };
        }
        catch (TemplateException e) when (!e.Message.Contains(where, StringComparison.Ordinal))
        {
            throw new TemplateException($"{where}: {name}: {e.Message}");
        }

        TemplateException Wrong() => new($"{where}: wrong number of arguments for {name}");
        object? Arg(List<object?> args, int index, int count) =>
            args.Count == count ? args[index] : throw Wrong();
    }

    private static string Str(object? v) => v as string ?? throw new TemplateException($"expected a string, got {GoValue.TypeName(v)}");

    /// <summary>Sprig's kindOf: Go's reflect kind of a values item.</summary>
    private static string Kind(object? v) => v switch
    {
        null => "invalid",
        string => "string",
        bool => "bool",
        long => "int64",
        double => "float64",
        IList<object?> => "slice",
        IDictionary<string, object?> => "map",
        _ => "ptr",
    };

    /// <summary>Sprig's strval: strings as they are, anything else through fmt's %v.</summary>
    private static string StrVal(object? v) => v is string s ? s : GoValue.Print(v);

    private static string Indent(int n, string s)
    {
        var pad = new string(' ', n);
        return pad + s.Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }

    private static object? Required(string message, object? value) =>
        value is null || value is string { Length: 0 } ? throw new TemplateException($"execution error: {message}") : value;

    private static string Trunc(int n, string s) => n >= 0 ? (s.Length > n ? s[..n] : s) : (s.Length > -n ? s[^(-n)..] : s);

    public static bool IsEmpty(object? v) => !GoValue.IsTrue(v);

    /// <summary>Sprig's toInt64 (via spf13/cast): floats truncate, unparsable strings give 0.</summary>
    private static long ToLong(object? v) => v switch
    {
        null => 0,
        long l => l,
        double d => (long)d,
        bool b => b ? 1 : 0,
        string s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : 0,
        _ => throw new TemplateException($"cannot convert {GoValue.TypeName(v)} to int"),
    };

    private static long ToInt(object? v) => ToLong(v);

    private static bool Equal(object? x, object? y)
    {
        if (x is null || y is null) return x is null && y is null;
        if (x.GetType() != y.GetType())
            throw new TemplateException($"incompatible types for comparison: {GoValue.TypeName(x)} and {GoValue.TypeName(y)}");
        return x is string or bool or long or double ? x.Equals(y) : throw new TemplateException($"non-comparable type {GoValue.TypeName(x)}");
    }

    private static int Compare(object? x, object? y) => (x, y) switch
    {
        (long a, long b) => a.CompareTo(b),
        (double a, double b) => a.CompareTo(b),
        (string a, string b) => string.CompareOrdinal(a, b),
        _ => throw new TemplateException($"incompatible types for comparison: {GoValue.TypeName(x)} and {GoValue.TypeName(y)}"),
    };

    private static Dictionary<string, object?> Dict(List<object?> a)
    {
        if (a.Count % 2 != 0) throw new TemplateException("dict needs key/value pairs");
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < a.Count; i += 2) d[StrVal(a[i])] = a[i + 1];
        return d;
    }

    private static long Len(object? v) => v switch
    {
        string s => s.Length,
        IList<object?> l => l.Count,
        IDictionary<string, object?> m => m.Count,
        _ => throw new TemplateException($"len of {GoValue.TypeName(v)}"),
    };

    /// <summary>Go's Sprintf for the verbs a chart needs: %s %d %v %q %%, with '0'/'-' flags and a width.</summary>
    private static string Printf(string format, List<object?> args)
    {
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%') { sb.Append(format[i]); continue; }
            i++;
            if (i >= format.Length) throw new TemplateException("printf: trailing %");
            if (format[i] == '%') { sb.Append('%'); continue; }
            var zero = false;
            var left = false;
            while (format[i] is '0' or '-') { if (format[i] == '0') zero = true; else left = true; i++; }
            var width = 0;
            while (char.IsDigit(format[i])) width = width * 10 + (format[i++] - '0');
            var verb = format[i];
            if (next >= args.Count) throw new TemplateException($"printf: missing argument for %{verb}");
            var arg = args[next++];
            var text = verb switch
            {
                's' or 'v' => StrValOrPrint(arg, verb),
                'd' => arg is long l ? l.ToString(CultureInfo.InvariantCulture)
                    : throw new TemplateException($"printf %d of a {GoValue.TypeName(arg)} (Go prints %!d(...)); convert with int first"),
                'q' => YamlValues.GoQuote(StrVal(arg)),
                _ => throw new TemplateException($"printf verb %{verb} is not supported"),
            };
            if (text.Length < width)
                text = left ? text.PadRight(width) : zero && verb == 'd' ? PadNumber(text, width) : text.PadLeft(width);
            sb.Append(text);
        }
        if (next != args.Count) throw new TemplateException("printf: too many arguments (Go appends %!(EXTRA ...))");
        return sb.ToString();
    }

    private static string StrValOrPrint(object? arg, char verb) =>
        arg is null ? (verb == 's' ? "%!s(<nil>)" : "<nil>") : GoValue.Print(arg);

    private static string PadNumber(string text, int width) =>
        text.StartsWith('-') ? "-" + text[1..].PadLeft(width - 1, '0') : text.PadLeft(width, '0');
}
