using SinGanSeg.Deploy.Tests.Helm;

namespace SinGanSeg.Deploy.Tests;

/// <summary>The chart rendered for the committed value sets, as the tests see it.</summary>
internal static class ChartRendering
{
    public const string Release = "singanseg";
    public const string Namespace = "singanseg";

    /// <summary>"default" plus every file in tests/SinGanSeg.Deploy.Tests/values/.</summary>
    public static IEnumerable<string> ValueSetNames() =>
        new[] { "default" }.Concat(Directory.GetFiles(RepoPaths.ValueSets, "*.yaml").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal));

    public static TheoryData<string> ValueSets()
    {
        var data = new TheoryData<string>();
        foreach (var name in ValueSetNames()) data.Add(name);
        return data;
    }

    public static string[] Files(string valueSet) =>
        valueSet == "default" ? [] : [Path.Combine(RepoPaths.ValueSets, valueSet + ".yaml")];

    public static SortedDictionary<string, string> Render(string valueSet, params string[] extraYaml)
    {
        var chart = HelmChart.Load(RepoPaths.Chart);
        var files = Files(valueSet).ToList();
        foreach (var yaml in extraYaml)
        {
            var f = Path.Combine(Path.GetTempPath(), $"singanseg-values-{Guid.NewGuid():N}.yaml");
            File.WriteAllText(f, yaml);
            files.Add(f);
        }
        try { return chart.Render(files, Release, Namespace); }
        finally { foreach (var f in files.Skip(Files(valueSet).Length)) File.Delete(f); }
    }

    public static Manifests Objects(string valueSet, params string[] extraYaml) => new(HelmChart.Objects(Render(valueSet, extraYaml)));
}
