using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SinGanSeg.Deploy.Tests.Helm;

/// <summary>
/// YAML in the shape Helm's templates see it: maps of string to value, lists, strings, bools,
/// null, and every number a double (float64). Also the deep merge Helm applies to -f files and
/// the toYaml emitter (keys sorted, sequences not indented under their key, as sigs.k8s.io/yaml).
/// </summary>
public static partial class YamlValues
{
    public static List<object?> LoadAll(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new TemplateException($"{source}: invalid YAML: {e.Message}");
        }
        return stream.Documents.Select(d => Convert(d.RootNode)).ToList();
    }

    public static Dictionary<string, object?> LoadMap(string text, string source)
    {
        var docs = LoadAll(text, source);
        return docs.Count switch
        {
            0 => new Dictionary<string, object?>(StringComparer.Ordinal),
            1 when docs[0] is null => new Dictionary<string, object?>(StringComparer.Ordinal),
            1 when docs[0] is Dictionary<string, object?> map => map,
            _ => throw new TemplateException($"{source}: expected a single YAML mapping"),
        };
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(
            kv => kv.Key is YamlScalarNode k ? k.Value ?? "" : throw new TemplateException($"non-scalar key at {kv.Key.Start}"),
            kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode sc => Scalar(sc),
        _ => throw new TemplateException($"unsupported YAML node at {node.Start}"),
    };

    private static object? Scalar(YamlScalarNode node)
    {
        var v = node.Value ?? "";
        if (node.Style is not ScalarStyle.Plain) return v;
        if (NullPattern().IsMatch(v)) return null;
        if (TruePattern().IsMatch(v)) return true;
        if (FalsePattern().IsMatch(v)) return false;
        if (IntPattern().IsMatch(v)) return double.Parse(v.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        if (FloatPattern().IsMatch(v)) return double.Parse(v.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        return v;
    }

    // YAML 1.1 resolution, which is what Helm's go-yaml v2 applies.
    [GeneratedRegex("^(~|null|Null|NULL|)$")] private static partial Regex NullPattern();
    [GeneratedRegex("^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")] private static partial Regex TruePattern();
    [GeneratedRegex("^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")] private static partial Regex FalsePattern();
    [GeneratedRegex("^[-+]?[0-9][0-9_]*$")] private static partial Regex IntPattern();
    [GeneratedRegex(@"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")] private static partial Regex FloatPattern();

    /// <summary>Helm's coalescing of an override file onto values: maps merge, anything else replaces, null deletes.</summary>
    public static Dictionary<string, object?> Merge(Dictionary<string, object?> baseValues, Dictionary<string, object?> overrides)
    {
        var result = new Dictionary<string, object?>(baseValues, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            if (value is null) result.Remove(key);
            else if (value is Dictionary<string, object?> o && result.TryGetValue(key, out var b) && b is Dictionary<string, object?> bm)
                result[key] = Merge(bm, o);
            else result[key] = value;
        }
        return result;
    }

    public static string ToYaml(object? value)
    {
        var sb = new StringBuilder();
        Emit(sb, value, 0, inSequence: false);
        return sb.ToString().TrimEnd('\n');
    }

    private static void Emit(StringBuilder sb, object? value, int indent, bool inSequence)
    {
        var pad = new string(' ', indent);
        switch (value)
        {
            case IDictionary<string, object?> map when map.Count > 0:
            {
                var first = true;
                foreach (var key in map.Keys.OrderBy(k => k, StringComparer.Ordinal))
                {
                    if (!(first && inSequence)) sb.Append(pad);
                    first = false;
                    sb.Append(ScalarText(key)).Append(':');
                    EmitChild(sb, map[key], indent, childIndent: indent + 2, listIndent: indent);
                }
                break;
            }
            case IList<object?> list when list.Count > 0:
            {
                var first = true;
                foreach (var item in list)
                {
                    if (!(first && inSequence)) sb.Append(pad);
                    first = false;
                    sb.Append("- ");
                    if (IsBlock(item)) Emit(sb, item, indent + 2, inSequence: true);
                    else sb.Append(ScalarText(item)).Append('\n');
                }
                break;
            }
            default:
                sb.Append(ScalarText(value)).Append('\n');
                break;
        }
    }

    private static void EmitChild(StringBuilder sb, object? value, int indent, int childIndent, int listIndent)
    {
        if (value is IDictionary<string, object?> { Count: > 0 })
        {
            sb.Append('\n');
            Emit(sb, value, childIndent, inSequence: false);
        }
        else if (value is IList<object?> { Count: > 0 })
        {
            sb.Append('\n');
            Emit(sb, value, listIndent, inSequence: false);
        }
        else sb.Append(' ').Append(ScalarText(value)).Append('\n');
    }

    private static bool IsBlock(object? v) => v is IDictionary<string, object?> { Count: > 0 } or IList<object?> { Count: > 0 };

    private static string ScalarText(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        // JSON's rendering of float64: whole numbers without a fraction.
        double d => d == Math.Floor(d) && Math.Abs(d) < 1e21 ? d.ToString("0", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture),
        string s => NeedsQuotes(s) ? Quote(s) : s,
        IDictionary<string, object?> => "{}",
        IList<object?> => "[]",
        _ => throw new TemplateException($"toYaml: unsupported {value.GetType().Name}"),
    };

    private static bool NeedsQuotes(string s) =>
        s.Length == 0
        || NullPattern().IsMatch(s) || TruePattern().IsMatch(s) || FalsePattern().IsMatch(s)
        || IntPattern().IsMatch(s) || FloatPattern().IsMatch(s)
        || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])
        || "-?:,[]{}#&*!|>'\"%@`".Contains(s[0])
        || s.Contains(": ", StringComparison.Ordinal) || s.Contains(" #", StringComparison.Ordinal) || s.EndsWith(':')
        || s.Any(c => char.IsControl(c));

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Go's %q of a string (used by quote and printf %q).</summary>
    public static string GoQuote(string s) => Quote(s);
}
