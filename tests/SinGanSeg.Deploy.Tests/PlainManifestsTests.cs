namespace SinGanSeg.Deploy.Tests;

public sealed class PlainManifestsTests
{
    [Fact]
    public void K8sDirectoryIsTheChartRenderedWithDefaults()
    {
        var expected = PlainManifests.Expected();
        if (Environment.GetEnvironmentVariable(PlainManifests.RegenerateVariable) == "1")
        {
            foreach (var old in Directory.GetFiles(RepoPaths.K8s, "*.yaml")) File.Delete(old);
            foreach (var (name, text) in expected) File.WriteAllText(Path.Combine(RepoPaths.K8s, name), text);
        }
        var actual = Directory.GetFiles(RepoPaths.K8s, "*.yaml").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Keys.ToList(), actual);
        foreach (var (name, text) in expected)
        {
            var onDisk = File.ReadAllText(Path.Combine(RepoPaths.K8s, name));
            Assert.True(text == onDisk,
                $"k8s/{name} differs from the chart's rendering; regenerate with {PlainManifests.RegenerateVariable}=1 dotnet test tests/SinGanSeg.Deploy.Tests -c Release");
        }
    }

    [Fact]
    public void K8sDirectoryHasTheSameObjectsAsTheChartPlusTheNamespace()
    {
        var chart = ChartRendering.Objects("default").All.Select(Key).ToHashSet();
        var plain = Directory.GetFiles(RepoPaths.K8s, "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal))
            .SelectMany(f => Helm.YamlValues.LoadAll(File.ReadAllText(f), f)).OfType<Dictionary<string, object?>>().Select(Key).ToHashSet();
        Assert.Equal(chart.Append("Namespace/singanseg").Order(StringComparer.Ordinal), plain.Order(StringComparer.Ordinal));
    }

    private static string Key(Dictionary<string, object?> o) => $"{Manifests.Str(o, "kind")}/{Manifests.Str(o, "metadata.name")}";
}
