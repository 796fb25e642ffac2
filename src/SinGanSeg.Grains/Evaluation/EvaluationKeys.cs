namespace SinGanSeg.Grains.Evaluation;

/// <summary>Where an evaluation keeps its things in the artifact store.</summary>
public static class EvaluationKeys
{
    /// <summary>Everything an evaluation stores (its spec, run results, report) is under this prefix.</summary>
    public static string Prefix(string id) => $"evaluations/{id}/";
    public static string Spec(string id) => $"evaluations/{id}/spec.json";
    public static string Result(string id, string runKey) => $"evaluations/{id}/runs/{Uri.EscapeDataString(runKey)}.json";
    public static string ReportPrefix(string id) => $"evaluations/{id}/report/";
    public static string Input(string id, string reference) =>
        $"evaluations/{id}/cache/{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reference)))[..24]}";
    public static string RunGrain(string id, string runKey) => $"{id}/{runKey}";
}
