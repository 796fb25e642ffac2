namespace SinGanSeg.Deploy.Tests;

/// <summary>
/// What a cluster would check, without a cluster or helm: every rendered object and every file
/// in k8s/ against the Kubernetes schemas (npm kubernetes-models, eng/deploy-validate), and
/// yamllint over k8s/, the chart's YAML and the rendered output. eng/test.sh installs both
/// tools; when they are missing these tests fail rather than skip.
/// </summary>
public sealed class ManifestValidationTests : IDisposable
{
    private const string InstallHint = "Run eng/test.sh, which installs yamllint (apt) and the npm packages into .tools/deploy-validate.";
    private readonly string _rendered = Directory.CreateTempSubdirectory("singanseg-rendered-").FullName;

    public ManifestValidationTests()
    {
        foreach (var set in ChartRendering.ValueSetNames())
            foreach (var (template, text) in ChartRendering.Render(set))
            {
                if (!template.EndsWith(".yaml", StringComparison.Ordinal) || text.Trim().Length == 0) continue;
                var body = text.TrimStart('\n');
                var file = Path.Combine(_rendered, $"{set}--{Path.GetFileName(template)}");
                File.WriteAllText(file, (body.StartsWith("---", StringComparison.Ordinal) ? "" : "---\n") + body.TrimEnd('\n') + "\n");
            }
    }

    public void Dispose() => Directory.Delete(_rendered, recursive: true);

    [Fact]
    public void EveryObjectMatchesTheKubernetesSchemas()
    {
        Assert.True(Directory.Exists(Path.Combine(RepoPaths.ValidateTools, "node_modules", "kubernetes-models")),
            $"kubernetes-models is not installed in {RepoPaths.ValidateTools}. {InstallHint}");
        var files = Directory.GetFiles(_rendered, "*.yaml")
            .Concat(Directory.GetFiles(RepoPaths.K8s, "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal).ToList();
        var (exit, output) = Tool.Run("node",
            [Path.Combine(RepoPaths.Root, "eng", "deploy-validate", "validate.mjs"), "--modules", RepoPaths.ValidateTools, .. files],
            RepoPaths.Root, InstallHint);
        Assert.True(exit == 0, $"schema validation failed (exit {exit}):\n{output}");
        Assert.Contains(" 0 errors", output, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlLintPasses()
    {
        string[] targets =
        [
            RepoPaths.K8s,
            Path.Combine(RepoPaths.Chart, "values.yaml"),
            Path.Combine(RepoPaths.Chart, "Chart.yaml"),
            RepoPaths.ValueSets,
            _rendered,
        ];
        var (exit, output) = Tool.Run("yamllint", ["--strict", "-c", Path.Combine(RepoPaths.Root, ".yamllint"), .. targets], RepoPaths.Root, InstallHint);
        Assert.True(exit == 0, $"yamllint failed (exit {exit}):\n{output}");
    }
}
