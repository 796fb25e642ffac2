namespace SinGanSeg.Deploy.Tests;

/// <summary>Rendered Kubernetes objects with the look-ups the assertions need.</summary>
internal sealed class Manifests(List<Dictionary<string, object?>> objects)
{
    public IReadOnlyList<Dictionary<string, object?>> All => objects;

    public IEnumerable<Dictionary<string, object?>> OfKind(string kind) => objects.Where(o => Str(o, "kind") == kind);

    public Dictionary<string, object?>? Find(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => Str(o, "metadata.name") == name);

    public Dictionary<string, object?> Get(string kind, string name) =>
        Find(kind, name) ?? throw new Xunit.Sdk.XunitException($"no {kind} {name}; have: {string.Join(", ", objects.Select(o => Str(o, "kind") + "/" + Str(o, "metadata.name")))}");

    /// <summary>Follows a dotted path ("spec.template.spec"); list items by index ("containers.0").</summary>
    public static object? At(object? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node switch
            {
                Dictionary<string, object?> m => m.GetValueOrDefault(part),
                List<object?> l when int.TryParse(part, out var i) && i < l.Count => l[i],
                _ => null,
            };
        }
        return node;
    }

    public static string? Str(object? node, string path) => At(node, path) as string;

    public static Dictionary<string, object?> Container(Dictionary<string, object?> deployment) =>
        (Dictionary<string, object?>)At(deployment, "spec.template.spec.containers.0")!;

    /// <summary>A container's env as name → value (literal) or "secret:name/key" / "field:path".</summary>
    public static Dictionary<string, string?> Env(Dictionary<string, object?> container) =>
        ((List<object?>)container["env"]!).Cast<Dictionary<string, object?>>().ToDictionary(
            e => (string)e["name"]!,
            e => e.TryGetValue("value", out var v) ? v?.ToString()
                : At(e, "valueFrom.secretKeyRef") is Dictionary<string, object?> s ? $"secret:{s["name"]}/{s["key"]}"
                : $"field:{At(e, "valueFrom.fieldRef.fieldPath")}");

    public Dictionary<string, string?> Config(string name) =>
        ((Dictionary<string, object?>)At(Get("ConfigMap", name), "data")!).ToDictionary(kv => kv.Key, kv => kv.Value?.ToString());
}
