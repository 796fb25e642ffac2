namespace SinGanSeg.Deploy.Tests.Helm;

/// <summary>
/// A chart directory rendered the way 'helm template' would for the supported subset: all
/// templates parsed together (so any file's define is visible everywhere), '_' files only
/// define, values.yaml deep-merged with override files in order, .Chart from Chart.yaml.
/// </summary>
public sealed class HelmChart
{
    private readonly Dictionary<string, object?> _chartMeta;
    private readonly Dictionary<string, object?> _defaultValues;
    private readonly SortedDictionary<string, List<Node>> _templates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Node>> _defines = new(StringComparer.Ordinal);

    public string Name { get; }

    private HelmChart(string dir)
    {
        var chartYaml = YamlValues.LoadMap(File.ReadAllText(Path.Combine(dir, "Chart.yaml")), "Chart.yaml");
        Name = chartYaml.GetValueOrDefault("name") as string ?? throw new TemplateException("Chart.yaml has no name");
        // Helm exposes Chart.yaml's fields capitalised: .Chart.Name, .Chart.Version, .Chart.AppVersion.
        _chartMeta = chartYaml.ToDictionary(kv => char.ToUpperInvariant(kv.Key[0]) + kv.Key[1..], kv => kv.Value, StringComparer.Ordinal);
        _defaultValues = YamlValues.LoadMap(File.ReadAllText(Path.Combine(dir, "values.yaml")), "values.yaml");
        var templatesDir = Path.Combine(dir, "templates");
        foreach (var file in Directory.EnumerateFiles(templatesDir, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(dir, file).Replace('\\', '/');
            var (body, defines) = TemplateParser.Parse($"{Name}/{relative}", File.ReadAllText(file));
            foreach (var (k, v) in defines) _defines[k] = v;
            if (!Path.GetFileName(file).StartsWith('_')) _templates[relative] = body;
        }
    }

    public static HelmChart Load(string dir) => new(dir);

    public Dictionary<string, object?> Values(IEnumerable<string> valueFiles)
    {
        var values = _defaultValues;
        foreach (var f in valueFiles) values = YamlValues.Merge(values, YamlValues.LoadMap(File.ReadAllText(f), f));
        return values;
    }

    /// <summary>Rendered text of every non-partial template, keyed by its path under the chart (templates/x.yaml).</summary>
    public SortedDictionary<string, string> Render(IEnumerable<string> valueFiles, string releaseName, string ns, string service = "Helm")
    {
        var root = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Values"] = Values(valueFiles),
            ["Chart"] = _chartMeta,
            ["Release"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["Name"] = releaseName,
                ["Namespace"] = ns,
                ["Service"] = service,
                ["IsInstall"] = true,
                ["IsUpgrade"] = false,
            },
        };
        var evaluator = new TemplateEvaluator(_defines);
        var output = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, body) in _templates) output[path] = evaluator.Execute(body, root);
        return output;
    }

    /// <summary>The Kubernetes objects in rendered output: '---'-separated documents, empty ones dropped as Helm does.</summary>
    public static List<Dictionary<string, object?>> Objects(SortedDictionary<string, string> rendered) =>
        rendered.Where(kv => kv.Key.EndsWith(".yaml", StringComparison.Ordinal) || kv.Key.EndsWith(".yml", StringComparison.Ordinal))
            .SelectMany(kv => YamlValues.LoadAll(kv.Value, kv.Key).Select(d => (kv.Key, Doc: d)))
            .Where(x => x.Doc is not null)
            .Select(x => x.Doc as Dictionary<string, object?> ?? throw new TemplateException($"{x.Key}: a document is not a mapping"))
            .ToList();
}
