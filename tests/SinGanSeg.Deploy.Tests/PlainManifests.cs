using SinGanSeg.Deploy.Tests.Helm;

namespace SinGanSeg.Deploy.Tests;

/// <summary>
/// k8s/ is the chart rendered with its default values (plus the Namespace object helm leaves
/// to --create-namespace), one file per template, with a kustomization.yaml listing them.
/// The files are generated — so they cannot drift from the chart — and keep the templates'
/// comments. Regenerate: SINGANSEG_REGENERATE_K8S=1 dotnet test tests/SinGanSeg.Deploy.Tests -c Release
/// </summary>
internal static class PlainManifests
{
    public const string RegenerateVariable = "SINGANSEG_REGENERATE_K8S";
    private const string ValuesForK8s = "namespace:\n  create: true\n";

    public static SortedDictionary<string, string> Expected()
    {
        var chart = HelmChart.Load(RepoPaths.Chart);
        var file = Path.Combine(Path.GetTempPath(), $"singanseg-k8s-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, ValuesForK8s);
        SortedDictionary<string, string> rendered;
        try { rendered = chart.Render([file], ChartRendering.Release, ChartRendering.Namespace, service: "kubectl"); }
        finally { File.Delete(file); }

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // Namespace first so 'kubectl apply -f k8s/' creates it before what lives in it.
        var order = new List<string>();
        foreach (var (template, text) in rendered.OrderBy(kv => kv.Key.EndsWith("namespace.yaml", StringComparison.Ordinal) ? 0 : 1).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!template.EndsWith(".yaml", StringComparison.Ordinal)) continue;
            var body = text.TrimStart('\n');
            if (body.Trim().Length == 0) continue;
            var name = $"{order.Count:00}-{Path.GetFileName(template)}";
            order.Add(name);
            var header =
                $"# Generated from helm/singanseg/{template} with the chart's default values: edit the\n" +
                "# chart, then regenerate with " + RegenerateVariable + "=1 dotnet test tests/SinGanSeg.Deploy.Tests -c Release\n";
            files[name] = header + (body.StartsWith("---", StringComparison.Ordinal) ? "" : "---\n") + body.TrimEnd('\n') + "\n";
        }
        files["kustomization.yaml"] =
            "# kubectl apply -k k8s/ once the Secrets exist (docs/DEPLOYMENT.md, Secrets)\n" +
            "---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" +
            string.Concat(order.Select(n => $"  - {n}\n"));
        return files;
    }
}
