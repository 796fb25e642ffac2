using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Cli.Cluster;

/// <summary>The REST API as the CLI uses it; problem details become exceptions carrying their detail text.</summary>
public sealed class JobApiClient(Uri baseAddress, string? apiKey = null) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly HttpClient _http = Create(baseAddress, apiKey);

    public async Task<JobStatus> SubmitAsync(object submission, CancellationToken cancellation) =>
        await Read<JobStatus>(await _http.PostAsJsonAsync("api/jobs", submission, Json, cancellation), cancellation);

    public async Task<JobStatus> UploadAsync(string jobId, object options, IEnumerable<string> images, IEnumerable<string> masks, CancellationToken cancellation)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(JsonSerializer.Serialize(options, Json)), "options" },
        };
        var streams = new List<Stream>();
        try
        {
            foreach (var (field, path) in images.Select(p => ("images", p)).Concat(masks.Select(p => ("masks", p))))
            {
                var stream = File.OpenRead(path);
                streams.Add(stream);
                var content = new StreamContent(stream);
                content.Headers.ContentType = new MediaTypeHeaderValue(path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? "image/png" : "image/jpeg");
                form.Add(content, field, Path.GetFileName(path));
            }
            return await Read<JobStatus>(await _http.PostAsync($"api/jobs/{Uri.EscapeDataString(jobId)}/upload", form, cancellation), cancellation);
        }
        finally
        {
            foreach (var s in streams) await s.DisposeAsync();
        }
    }

    public async Task<JobStatus> GetAsync(string jobId, CancellationToken cancellation) =>
        await Read<JobStatus>(await _http.GetAsync($"api/jobs/{Uri.EscapeDataString(jobId)}", cancellation), cancellation);

    /// <summary>Every job (or those in <paramref name="phases"/>), newest first, fetched page by page.</summary>
    public async Task<IReadOnlyList<JobListing>> ListAsync(CancellationToken cancellation, IReadOnlyList<string>? phases = null)
    {
        var all = new List<JobListing>();
        string? continuation = null;
        var filter = string.Concat((phases ?? []).Select(p => "&phase=" + Uri.EscapeDataString(p)));
        do
        {
            var query = "api/jobs?limit=1000" + filter + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation));
            var page = await Read<JobListingPage>(await _http.GetAsync(query, cancellation), cancellation);
            all.AddRange(page.Jobs);
            continuation = page.Continuation;
        } while (continuation is not null);
        return all;
    }

    public async Task<JobStatus> CancelAsync(string jobId, CancellationToken cancellation) =>
        await Read<JobStatus>(await _http.PostAsync($"api/jobs/{Uri.EscapeDataString(jobId)}/cancel", null, cancellation), cancellation);

    public async Task<JobDeletionReport> DeleteAsync(string jobId, bool cancelFirst, CancellationToken cancellation) =>
        await Read<JobDeletionReport>(await _http.DeleteAsync($"api/jobs/{Uri.EscapeDataString(jobId)}{(cancelFirst ? "?cancel=true" : "")}", cancellation), cancellation);

    public async Task<JobStatus> RetryAsync(string jobId, IReadOnlyList<string> images, CancellationToken cancellation)
    {
        var query = string.Concat(images.Select((name, i) => $"{(i == 0 ? '?' : '&')}image={Uri.EscapeDataString(name)}"));
        return await Read<JobStatus>(await _http.PostAsync($"api/jobs/{Uri.EscapeDataString(jobId)}/retry{query}", null, cancellation), cancellation);
    }

    public async Task<ImageEventLog> EventsAsync(string jobId, string image, CancellationToken cancellation) =>
        await Read<ImageEventLog>(await _http.GetAsync($"api/jobs/{Uri.EscapeDataString(jobId)}/images/{Uri.EscapeDataString(image)}/events", cancellation), cancellation);

    public async Task<EvaluationStatus> SubmitEvaluationAsync(object submission, CancellationToken cancellation) =>
        await Read<EvaluationStatus>(await _http.PostAsJsonAsync("api/evaluations", submission, Json, cancellation), cancellation);

    public async Task<EvaluationStatus> GetEvaluationAsync(string evaluationId, CancellationToken cancellation) =>
        await Read<EvaluationStatus>(await _http.GetAsync($"api/evaluations/{Uri.EscapeDataString(evaluationId)}", cancellation), cancellation);

    public async Task<EvaluationStatus> CancelEvaluationAsync(string evaluationId, CancellationToken cancellation) =>
        await Read<EvaluationStatus>(await _http.PostAsync($"api/evaluations/{Uri.EscapeDataString(evaluationId)}/cancel", null, cancellation), cancellation);

    /// <summary>Every evaluation (or a job's), newest first, fetched page by page.</summary>
    public async Task<IReadOnlyList<EvaluationListing>> ListEvaluationsAsync(string? jobId, CancellationToken cancellation)
    {
        var all = new List<EvaluationListing>();
        string? continuation = null;
        var filter = jobId is null ? "" : "&jobId=" + Uri.EscapeDataString(jobId);
        do
        {
            var query = "api/evaluations?limit=1000" + filter + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation));
            var page = await Read<EvaluationListingPage>(await _http.GetAsync(query, cancellation), cancellation);
            all.AddRange(page.Evaluations);
            continuation = page.Continuation;
        } while (continuation is not null);
        return all;
    }

    public Task DownloadAsync(string jobId, string zipPath, CancellationToken cancellation) =>
        DownloadFileAsync($"api/jobs/{Uri.EscapeDataString(jobId)}/dataset", zipPath, cancellation);

    public Task DownloadModelAsync(string jobId, string image, string zipPath, CancellationToken cancellation) =>
        DownloadFileAsync($"api/jobs/{Uri.EscapeDataString(jobId)}/images/{Uri.EscapeDataString(image)}/model", zipPath, cancellation);

    private async Task DownloadFileAsync(string path, string zipPath, CancellationToken cancellation)
    {
        using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellation);
        await EnsureSuccess(response, cancellation);
        await using var file = File.Create(zipPath);
        await response.Content.CopyToAsync(file, cancellation);
    }

    public void Dispose() => _http.Dispose();

    private static HttpClient Create(Uri baseAddress, string? apiKey)
    {
        var http = new HttpClient { BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/"), Timeout = TimeSpan.FromMinutes(30) };
        if (!string.IsNullOrEmpty(apiKey)) http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        // The silo host refuses writes without it when it has no credentials (a page in a browser cannot send it cross-site).
        http.DefaultRequestHeaders.Add("X-Requested-With", "singanseg");
        return http;
    }

    private static async Task<T> Read<T>(HttpResponseMessage response, CancellationToken cancellation)
    {
        using (response)
        {
            await EnsureSuccess(response, cancellation);
            return (await response.Content.ReadFromJsonAsync<T>(Json, cancellation))!;
        }
    }

    private static async Task EnsureSuccess(HttpResponseMessage response, CancellationToken cancellation)
    {
        if (response.IsSuccessStatusCode) return;
        string detail;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellation);
            detail = problem.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : problem.ToString();
        }
        catch (JsonException)
        {
            detail = await response.Content.ReadAsStringAsync(cancellation);
        }
        throw new ApiException(response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}: {detail}");
    }
}

/// <summary>GET /api/jobs/{id}/images/{image}/events.</summary>
public sealed record ImageEventLog(string JobId, string Image, ImagePhase Phase, int Attempts, IReadOnlyList<ImageEvent> Events);

public sealed class ApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
