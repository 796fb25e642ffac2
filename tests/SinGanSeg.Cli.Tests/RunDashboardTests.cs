using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// `singanseg run --dashboard`: while the job runs, the address it prints serves the job's
/// dashboard page and the REST API over the run's own silo; the run still writes its dataset.
/// </summary>
public sealed partial class RunDashboardTests
{
    [Fact]
    public async Task Run_with_dashboard_serves_the_running_job_over_its_printed_address()
    {
        var (data, names) = TestData.PolypDataset("run-dashboard", skip: 50, count: 1);
        var name = names[0];
        var output = Path.Combine(data, "out");
        // The address is printed once the job is submitted and fetched at once: the job still trains then (seconds on an idle machine).
        using var run = CliProcess.Start(["run", "--images", Path.Combine(data, "images"), "--masks", Path.Combine(data, "masks"), "--out", output,
            "--preset", "tiny", "--iters", "60", "--samples-per-image", "1", "--no-score", "--job-id", "dash", "--device", "cpu", "--dashboard"]);

        Match printed = Match.Empty;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!(printed = Address().Match(run.Stdout)).Success && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(printed.Success, $"no dashboard address printed\n{run.Stdout}\n{run.Stderr}");
        using var http = new HttpClient { BaseAddress = new Uri(printed.Groups["base"].Value) };

        var response = await http.GetAsync("/api/jobs/dash");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}\n{run.Stdout}\n{run.Stderr}");
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("dash", status.GetProperty("jobId").GetString());
        Assert.Equal(name, status.GetProperty("images")[0].GetProperty("name").GetString());
        var page = await http.GetAsync("/jobs/dash");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(15)) == 0, $"{run.Stdout}\n{run.Stderr}");
        Assert.Single(File.ReadAllLines(Path.Combine(output, "manifest.jsonl")));
        // The dashboard goes with the run.
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api/jobs/dash"));
    }

    [GeneratedRegex(@"dashboard: (?<base>http://127\.0\.0\.1:\d+)/jobs/dash\b")]
    private static partial Regex Address();
}
