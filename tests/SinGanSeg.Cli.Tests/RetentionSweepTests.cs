using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Retention turned on after the fact: a job finishes on a `serve` host without a retention
/// period; the host is stopped and started again on the same state folder with
/// SinGanSeg__RetentionDays set (as an operator would, through the environment). Nobody touches the
/// job: the new host's retention sweep schedules its deletion, and it goes, with an audit record
/// naming the retention policy. Before the sweep existed a job finished earlier was kept forever.
/// </summary>
public sealed class RetentionSweepTests
{
    [Fact]
    public async Task A_job_finished_before_retention_was_set_is_deleted_once_it_is()
    {
        var state = TestData.NewTempDir("retention-state");
        var (data, _) = TestData.PolypDataset("retention-data", skip: 32, count: 1);

        // 1. No retention: the job finishes and stays.
        using (var serve = await Serve(state, null))
        {
            var api = serve.Api;
            Json("submit", "--api", api, "--job-id", "old", "--images", Path.Combine(data, "images"), "--masks", Path.Combine(data, "masks"),
                "--upload", "--preset", "tiny", "--iters", "1", "--samples-per-image", "1", "--no-score");
            using (var watch = CliProcess.Start(["watch", "--api", api, "--job-id", "old", "--json"]))
                Assert.True(watch.WaitForExit(TimeSpan.FromMinutes(10)) == 0, $"{watch.Stdout}\n{watch.Stderr}");
            Assert.Equal("Completed", Json("status", "--api", api, "--job-id", "old").GetProperty("phase").GetString());
            serve.Process.Signal(15);
            Assert.Equal(0, serve.Process.WaitForExit(TimeSpan.FromMinutes(1)));
        }
        Assert.Contains(Directory.GetFiles(state, "*", SearchOption.AllDirectories), f => f.Contains($"{Path.DirectorySeparatorChar}old{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

        // 2. The same state with a retention period of about a second: the job goes by itself.
        using (var serve = await Serve(state, new Dictionary<string, string> { ["SinGanSeg__RetentionDays"] = (1 / 86400.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture) }))
        {
            using var http = new HttpClient { BaseAddress = new Uri(serve.Api) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            // The list, not the job: reading the job would activate it, and the sweep must be what wakes it.
            while ((await http.GetFromJsonAsync<JsonElement>("/api/jobs")).GetProperty("jobs").GetArrayLength() > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the job finished before retention was set was not deleted within 2 minutes\n{File.ReadAllText(Path.Combine(state, "singanseg.log"))}");
                await Task.Delay(500);
            }
            // The listing goes before the job's own state (the deletion's last step), and the job's
            // grain answers reads while it deletes: the job itself must be gone by the same deadline.
            HttpStatusCode status;
            while ((status = (await http.GetAsync("/api/jobs/old")).StatusCode) != HttpStatusCode.NotFound)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the job left the list but still answered {status} after 2 minutes\n{File.ReadAllText(Path.Combine(state, "singanseg.log"))}");
                await Task.Delay(200);
            }
            var files = Directory.GetFiles(state, "*", SearchOption.AllDirectories);
            var audit = Assert.Single(files, f => f.Contains("deletions", StringComparison.Ordinal) && f.EndsWith("-old.json", StringComparison.Ordinal));
            Assert.Contains("retention policy", File.ReadAllText(audit));
            Assert.DoesNotContain(files, f => f.Contains($"{Path.DirectorySeparatorChar}jobs{Path.DirectorySeparatorChar}old{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            Assert.Contains("retention sweep: 1 of 1 listed jobs", File.ReadAllText(Path.Combine(state, "singanseg.log")));
            serve.Process.Signal(15);
            Assert.Equal(0, serve.Process.WaitForExit(TimeSpan.FromMinutes(1)));
        }
    }

    private sealed record Host(CliProcess Process, string Api) : IDisposable
    {
        public void Dispose() => Process.Dispose();
    }

    private static async Task<Host> Serve(string state, IReadOnlyDictionary<string, string>? environment)
    {
        var serve = CliProcess.Start(["serve", "--port", "0", "--state", state, "--device", "cpu", "--json"], environment: environment);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (serve.Stdout.Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(serve.Stdout.Length > 0, $"serve printed nothing:\n{serve.Stderr}");
        return new Host(serve, JsonDocument.Parse(serve.Stdout.Split('\n')[0]).RootElement.GetProperty("url").GetString()!);
    }

    private static JsonElement Json(params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run([.. args, "--json"]);
        Assert.True(code == 0, $"{string.Join(' ', args)} exited {code}\n{stdout}\n{stderr}");
        return JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single()).RootElement;
    }
}
