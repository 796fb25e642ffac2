using System.Globalization;

namespace SinGanSeg.Deploy.Tests.Helm;

/// <summary>
/// How Go and Helm see values: YAML numbers from values files are float64 (Helm decodes values
/// through JSON), template literals and Sprig arithmetic give int64, and printing follows fmt's
/// %v — so a large float prints in exponent form exactly where real Helm would print it.
/// </summary>
internal static class GoValue
{
    public static string Print(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        IList<object?> list => "[" + string.Join(" ", list.Select(Print)) + "]",
        IDictionary<string, object?> map => "map[" + string.Join(" ", map.Keys.OrderBy(k => k, StringComparer.Ordinal).Select(k => k + ":" + Print(map[k]))) + "]",
        _ => throw new TemplateException($"cannot print a {value.GetType().Name}"),
    };

    /// <summary>
    /// fmt's %v for a float64: strconv 'g' with the shortest digits, which switches to exponent
    /// form when the decimal exponent is below -4 or at least 6 (Helm's well-known "1e+06").
    /// </summary>
    public static string FormatFloat(double d)
    {
        if (double.IsPositiveInfinity(d)) return "+Inf";
        if (double.IsNegativeInfinity(d)) return "-Inf";
        if (double.IsNaN(d)) return "NaN";
        if (d == 0) return "0";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var e = d.ToString("E16", CultureInfo.InvariantCulture);
        var exp = int.Parse(e[(e.IndexOf('E') + 1)..], CultureInfo.InvariantCulture);
        if (exp < -4 || exp >= 6)
        {
            // Shortest mantissa digits, Go-style exponent (at least two digits, explicit sign).
            var mantissa = d.ToString("R", CultureInfo.InvariantCulture);
            var digits = d.ToString("E" + (Digits(mantissa) - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            var parts = digits.Split('E');
            var m = parts[0].Contains('.') ? parts[0].TrimEnd('0').TrimEnd('.') : parts[0];
            var x = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return $"{m}e{(x < 0 ? "-" : "+")}{Math.Abs(x):00}";
        }
        return r.Contains('E') ? d.ToString("0.####################", CultureInfo.InvariantCulture) : r;
    }

    private static int Digits(string r)
    {
        var mant = r.Split('E')[0].TrimStart('-').Replace(".", "", StringComparison.Ordinal).TrimStart('0');
        return Math.Max(1, mant.TrimEnd('0').Length);
    }

    /// <summary>text/template truth: false, 0, nil and empty strings, lists and maps are false.</summary>
    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        IList<object?> list => list.Count > 0,
        IDictionary<string, object?> map => map.Count > 0,
        _ => true,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "nil",
        string => "string",
        bool => "bool",
        long => "int64",
        double => "float64",
        IList<object?> => "[]interface {}",
        IDictionary<string, object?> => "map[string]interface {}",
        _ => value.GetType().Name,
    };
}
