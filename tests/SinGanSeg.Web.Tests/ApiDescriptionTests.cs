using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using SinGanSeg.Core.Tests;
using SinGanSeg.Silo;

namespace SinGanSeg.Web.Tests;

/// <summary>
/// No route left undescribed: the silo host is built in-process (the same application singanseg-silo
/// and `singanseg serve` run), every /api route it maps is listed from its endpoint data sources, and
/// each must appear in the served /openapi/v1.json with a summary and a success response, and in
/// docs/API.md with an example.
/// </summary>
public sealed partial class ApiDescriptionTests
{
    [Fact]
    public async Task Every_api_route_is_in_the_openapi_document_and_in_docs_api_md()
    {
        await using var app = InProcessSiloHost.Build("openapi-state");
        await app.StartAsync();
        try
        {
            var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
                .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api", StringComparison.Ordinal)
                    // The interactive reference's own page and files, not part of the API.
                    && !raw.StartsWith("/api/docs", StringComparison.Ordinal))
                .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
                .ToHashSet();
            Assert.True(mapped.Count >= 15, $"only {mapped.Count} routes found: {string.Join(", ", mapped)}");

            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var response = await http.GetAsync("/openapi/v1.json");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var described = new Dictionary<string, JsonElement>();
            foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
                foreach (var operation in path.Value.EnumerateObject())
                    described[$"{operation.Name.ToUpperInvariant()} {path.Name}"] = operation.Value;

            var missing = mapped.Where(r => !described.ContainsKey(r)).ToList();
            Assert.True(missing.Count == 0, $"mapped but not in /openapi/v1.json: {string.Join(", ", missing)}");
            foreach (var route in mapped)
            {
                var operation = described[route];
                Assert.True(operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 10, $"{route} has no summary");
                var responses = operation.GetProperty("responses").EnumerateObject().ToList();
                var success = responses.Where(r => r.Name.StartsWith('2')).ToList();
                Assert.True(success.Count > 0, $"{route} describes no success response");
                Assert.True(success.Any(r => r.Value.TryGetProperty("content", out _)) || route.StartsWith("DELETE", StringComparison.Ordinal),
                    $"{route} describes no response body");
            }
            Assert.True(document.RootElement.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out _));

            // docs/API.md: a heading per route ("### GET /api/jobs/{jobId}") and an example in its section.
            var doc = File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "API.md"));
            var sections = Heading().Split(doc);
            var headings = Heading().Matches(doc).Select(m => m.Groups[1].Value.Trim()).ToList();
            var undocumented = mapped.Where(r => !headings.Contains(r)).ToList();
            Assert.True(undocumented.Count == 0, $"not in docs/API.md: {string.Join(", ", undocumented)}");
            for (var i = 0; i < headings.Count; i++)
                Assert.True(sections[(i * 2) + 2].Contains("```", StringComparison.Ordinal), $"docs/API.md: '{headings[i]}' has no example");

            // The interactive reference is served too (its script is bundled, nothing from a CDN).
            var reference = await http.GetAsync("/api/docs/");
            Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
            Assert.Contains("scalar.js", await reference.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/docs/scalar.js")).StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    /// <summary>Route parameters as OpenAPI writes them: no constraints, no optional marks, no catch-all stars.</summary>
    private static string Normalize(string pattern)
    {
        var path = RouteParameter().Replace(pattern, m => "{" + m.Groups[1].Value + "}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    [GeneratedRegex(@"\{\**([A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"^### ((?:GET|POST|PUT|DELETE|PATCH) \S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
