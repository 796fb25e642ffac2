namespace SinGanSeg.Deploy.Tests;

/// <summary>Locations in the repository the deploy tests read, found from the test binary upwards.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "helm", "singanseg");
    public static string K8s => Path.Combine(Root, "k8s");
    public static string ValueSets => Path.Combine(Root, "tests", "SinGanSeg.Deploy.Tests", "values");
    public static string DockerDir => Path.Combine(Root, "deploy", "docker");
    public static string ValidateTools => Path.Combine(Root, ".tools", "deploy-validate");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SinGanSeg.Cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (SinGanSeg.Cluster.sln) above " + AppContext.BaseDirectory);
    }
}
