using System.Text.Json;
using System.Text.Json.Serialization;

namespace SinGanSeg.Bench;

/// <summary>How every bench result and study file is read and written.</summary>
public static class BenchJson
{
    // Named literals: a timing without a load reading carries NaN.
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
