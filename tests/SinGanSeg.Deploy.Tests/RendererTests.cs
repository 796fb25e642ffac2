using SinGanSeg.Deploy.Tests.Helm;

namespace SinGanSeg.Deploy.Tests;

/// <summary>The renderer itself: Go-template behaviour the chart relies on, and loud failures for what it does not support.</summary>
public sealed class RendererTests
{
    private static string Render(string template, string values = "{}")
    {
        var (body, defines) = TemplateParser.Parse("t", template);
        var root = new Dictionary<string, object?> { ["Values"] = YamlValues.LoadMap(values, "values") };
        return new TemplateEvaluator(defines).Execute(body, root);
    }

    [Theory]
    [InlineData("{{ $s := int .Values.n }}{{ ge $s 86400 }}", "false")]
    [InlineData("a  {{- 1 -}}  b", "a1b")]
    [InlineData("{{/* c */}}x{{- /* c */ -}} y", "xy")]
    [InlineData("{{ if .Values.missing }}t{{ else if .Values.n }}n{{ else }}e{{ end }}", "n")]
    [InlineData("{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}", "a=1;b=x;")]
    [InlineData("{{ range .Values.l }}[{{ . }}]{{ else }}none{{ end }}", "[1][2]")]
    [InlineData("{{ with .Values.m }}{{ .b }}{{ end }}", "x")]
    [InlineData("{{ .Values.big }}", "2.097152e+08")]
    [InlineData("{{ int .Values.big }}", "209715200")]
    [InlineData("{{ .Values.n }}", "600")]
    [InlineData("{{ mul .Values.n 2 | quote }}", "\"1200\"")]
    [InlineData("{{ printf \"%02d:%s\" (div 3660 60) \"x\" }}", "61:x")]
    [InlineData("{{ default \"d\" .Values.empty }}", "d")]
    [InlineData("{{ toYaml .Values.m | nindent 2 }}", "\n  a: 1\n  b: x")]
    [InlineData("{{ and .Values.missing .Values.missing.deeper }}", "")]
    [InlineData("{{ define \"t\" }}<{{ .a }}>{{ end }}{{ include \"t\" (dict \"a\" 1) }}", "<1>")]
    [InlineData("{{ kindIs \"map\" .Values.m }} {{ kindIs \"map\" .Values.n }} {{ kindIs \"string\" .Values.empty }} {{ kindIs \"slice\" .Values.l }}", "true false true true")]
    public void RendersLikeHelm(string template, string expected) =>
        Assert.Equal(expected, Render(template, "n: 600\nbig: 209715200\nempty: ''\nm: {b: x, a: 1}\nl: [1, 2]\n"));

    [Theory]
    [InlineData("{{ lookup \"v1\" \"Secret\" \"ns\" \"n\" }}", "not supported")]
    [InlineData("{{ block \"x\" . }}{{ end }}", "not supported")]
    [InlineData("{{ .Values.missing.deeper }}", "nil pointer")]
    [InlineData("{{ eq .Values.n 600 }}", "incompatible types")]
    [InlineData("{{ printf \"%d\" .Values.n }}", "convert with int")]
    [InlineData("{{ if 1 }}", "without")]
    [InlineData("{{ required \"need x\" .Values.x }}", "need x")]
    public void FailsLoudly(string template, string message)
    {
        var e = Assert.Throws<TemplateException>(() => Render(template, "n: 600\n"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
