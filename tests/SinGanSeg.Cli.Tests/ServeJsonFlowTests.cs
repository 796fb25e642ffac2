using System.Net;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// A newcomer's local server and a script driving it: `singanseg serve` started as a process, its
/// OpenAPI document fetched, and a job driven with the CLI's --json output only (submit, watch as
/// JSON lines, status, jobs, retry refused, download), every line parsed as JSON.
/// </summary>
public sealed class ServeJsonFlowTests
{
    [Fact]
    public async Task Serve_then_a_job_driven_by_json_output_only()
    {
        var state = TestData.NewTempDir("serve-state");
        using var serve = CliProcess.Start(["serve", "--port", "0", "--state", state, "--device", "cpu", "--json"]);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (serve.Stdout.Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(serve.Stdout.Length > 0, $"serve printed nothing:\n{serve.Stderr}");
        var addresses = JsonDocument.Parse(serve.Stdout.Split('\n')[0]).RootElement;
        var api = addresses.GetProperty("url").GetString()!;
        Assert.StartsWith("http://127.0.0.1:", api);

        using var http = new HttpClient { BaseAddress = new Uri(api) };
        var openApi = JsonDocument.Parse(await http.GetStringAsync(addresses.GetProperty("openApi").GetString())).RootElement;
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/jobs/{jobId}", out _));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(addresses.GetProperty("apiReference").GetString())).StatusCode);

        var (data, names) = TestData.PolypDataset("serve-data", skip: 30, count: 1);
        var name = names[0];

        var submitted = Json("submit", "--api", api, "--job-id", "scripted", "--images", Path.Combine(data, "images"), "--masks", Path.Combine(data, "masks"),
            "--upload", "--preset", "tiny", "--iters", "1", "--samples-per-image", "2", "--max-attempts", "2", "--no-score");
        Assert.Equal("scripted", submitted.GetProperty("jobId").GetString());
        Assert.Equal(1, submitted.GetProperty("total").GetInt32());

        using var watch = CliProcess.Start(["watch", "--api", api, "--job-id", "scripted", "--json"]);
        // A ceiling for a loaded machine; on an idle one the tiny job takes seconds.
        var code = watch.WaitForExit(TimeSpan.FromMinutes(15));
        Assert.True(code == 0, $"watch exited {code}\n{watch.Stdout}\n{watch.Stderr}\n{serve.Stderr}");
        var lines = watch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(lines.Count >= 2, watch.Stdout);
        Assert.Equal("Completed", lines[^1].GetProperty("phase").GetString());
        // Progress before the end (a one-iteration job can train faster than a status poll, so no particular stage is promised).
        Assert.Contains(lines.SkipLast(1), l => l.GetProperty("phase").GetString() is "Running" or "Accepted");

        var status = Json("status", "--api", api, "--job-id", "scripted");
        Assert.Equal(1, status.GetProperty("done").GetInt32());
        Assert.Equal(2, status.GetProperty("images")[0].GetProperty("samples").GetInt32());
        var jobs = Json("jobs", "--api", api, "--phase", "Completed");
        var listed = Assert.Single(jobs.EnumerateArray());
        Assert.Equal(("scripted", "Completed", 1, 1), (listed.GetProperty("jobId").GetString(), listed.GetProperty("phase").GetString(),
            listed.GetProperty("total").GetInt32(), listed.GetProperty("done").GetInt32()));
        Assert.Empty(Json("jobs", "--api", api, "--phase", "Running").EnumerateArray());
        var (badPhase, _, badPhaseError) = CliProcess.Run("jobs", "--api", api, "--phase", "Finished", "--json");
        Assert.Equal(2, badPhase);
        Assert.Contains("unknown job phase 'Finished'", badPhaseError);

        // Nothing failed: retry is refused as the caller's mistake (exit 2), with the reason.
        var (retryCode, _, retryError) = CliProcess.Run("retry", "--api", api, "--job-id", "scripted", "--json");
        Assert.Equal(2, retryCode);
        Assert.Contains("409", retryError);

        var output = TestData.NewTempDir("serve-download");
        var download = Json("download", "--api", api, "--job-id", "scripted", "--out", output);
        Assert.Equal(2, download.GetProperty("images").GetInt32());
        Assert.Equal(2, File.ReadAllLines(Path.Combine(output, "manifest.jsonl")).Length);

        // The image's event log: queued, its stages, every stored scale, done.
        var log = Json("events", "--api", api, "--job-id", "scripted", "--image", name);
        var kinds = log.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal("queued", kinds[0]);
        Assert.Equal("done", kinds[^1]);
        var scales = log.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "scale").Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Equal(status.GetProperty("images")[0].GetProperty("scaleCount").GetInt32(), scales.Count);

        // Deleting the job leaves nothing of it in the state folder but the audit record: no file
        // names it or its image, and no file's text mentions them. The host's log is the
        // operator's record of what ran (like a cluster's log collector) and keeps its lines.
        var deleted = Json("delete", "--api", api, "--job-id", "scripted");
        Assert.True(deleted.GetProperty("existed").GetBoolean());
        var audit = deleted.GetProperty("auditKey").GetString()!;
        var remaining = Directory.GetFiles(state, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(state, f)).Where(f => f != "singanseg.log").ToList();
        var mentions = remaining.Where(f => !f.EndsWith(audit.Replace('/', Path.DirectorySeparatorChar), StringComparison.Ordinal)
            && (f.Contains("scripted", StringComparison.Ordinal) || f.Contains(name, StringComparison.Ordinal)
                || File.ReadAllText(Path.Combine(state, f)) is var text && (text.Contains("\"scripted\"", StringComparison.Ordinal) || text.Contains(name, StringComparison.Ordinal)))).ToList();
        Assert.True(mentions.Count == 0, "left after the deletion: " + string.Join(", ", mentions));
        Assert.DoesNotContain(remaining, f => f.Contains(Path.Combine("jobs", "scripted"), StringComparison.Ordinal));
        Assert.False(Json("delete", "--api", api, "--job-id", "scripted").GetProperty("existed").GetBoolean());
        var (goneCode, _, goneError) = CliProcess.Run("status", "--api", api, "--job-id", "scripted", "--json");
        Assert.Equal(2, goneCode);
        Assert.Contains("404", goneError);

        // An unreachable server is not a usage error.
        var (downCode, _, downError) = CliProcess.Run("status", "--api", $"http://127.0.0.1:{SiloProcess.FreePort()}", "--job-id", "scripted", "--json");
        Assert.Equal(1, downCode);
        Assert.Contains("cannot reach the API", downError);

        serve.Signal(15); // SIGTERM, as a service manager stops it
        Assert.Equal(0, serve.WaitForExit(TimeSpan.FromMinutes(1)));
    }

    /// <summary>Runs a command with --json; it must succeed and print exactly one JSON document.</summary>
    private static JsonElement Json(params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run([.. args, "--json"]);
        Assert.True(code == 0, $"{string.Join(' ', args)} exited {code}\n{stdout}\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{args[0]} --json printed {lines.Length} lines:\n{stdout}");
        return JsonDocument.Parse(lines[0]).RootElement;
    }
}
