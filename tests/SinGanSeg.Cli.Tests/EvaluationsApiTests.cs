using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Evaluations as resources on a real `singanseg serve`, driven by `singanseg evaluations` with
/// --json: refused for a running or cancelled job (409), an unknown job (404) and a bad setting
/// (400 naming the field); submitted against a finished job, listed, followed to its report with
/// `evaluations watch`, resubmitted
/// harmlessly, another one cancelled; and every one of them deleted with the job.
/// </summary>
public sealed class EvaluationsApiTests
{
    /// <summary>Small enough for a loaded 2-core machine: 2 folds, one epoch of 64-pixel images, a narrow decoder.</summary>
    private static readonly string[] Light = ["--folds", "2", "--epochs", "1", "--image-size", "64", "--batch-size", "4", "--decoder-channels", "32,32,16,16,16", "--no-mixed", "--model", "unetpp,unet"];

    [Fact]
    public async Task Submit_against_a_finished_job_list_cancel_and_delete_with_the_job()
    {
        var state = TestData.NewTempDir("evaluations-state");
        using var serve = CliProcess.Start(["serve", "--port", "0", "--state", state, "--device", "cpu", "--json"]);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (serve.Stdout.Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(serve.Stdout.Length > 0, $"serve printed nothing:\n{serve.Stderr}");
        var api = JsonDocument.Parse(serve.Stdout.Split('\n')[0]).RootElement.GetProperty("url").GetString()!;
        using var http = new HttpClient { BaseAddress = new Uri(api), DefaultRequestHeaders = { { "X-Requested-With", "singanseg" } } };

        // A job that runs for minutes: evaluating it is refused while it runs and after it is cancelled.
        var one = Dataset("evaluations-slow", skip: 40, count: 1);
        Json("submit", "--api", api, "--job-id", "slow", "--images", one.Images, "--masks", one.Masks, "--upload", "--preset", "tiny", "--iters", "3000", "--samples-per-image", "1", "--no-score");
        var (code, _, stderr) = CliProcess.Run(["evaluations", "submit", "--api", api, "--job-id", "slow", .. Light, "--json"]);
        Assert.True(code == 2 && stderr.Contains("409") && stderr.Contains("once the job has finished"), $"exit {code}: {stderr}");
        Json("cancel", "--api", api, "--job-id", "slow");
        (code, _, stderr) = CliProcess.Run(["evaluations", "submit", "--api", api, "--job-id", "slow", .. Light, "--json"]);
        Assert.True(code == 2 && stderr.Contains("409") && stderr.Contains("cancelled"), $"exit {code}: {stderr}");
        (code, _, stderr) = CliProcess.Run(["evaluations", "submit", "--api", api, "--job-id", "no-such-job", .. Light, "--json"]);
        Assert.True(code == 2 && stderr.Contains("404"), $"exit {code}: {stderr}");

        // A finished job of six pairs (two folds with held-out and validation images in each).
        var six = Dataset("evaluations-done", skip: 41, count: 6);
        Json("submit", "--api", api, "--job-id", "done", "--images", six.Images, "--masks", six.Masks, "--upload", "--preset", "tiny", "--iters", "1", "--samples-per-image", "1", "--no-score");
        using (var watch = CliProcess.Start(["watch", "--api", api, "--job-id", "done", "--json"]))
            Assert.True(watch.WaitForExit(TimeSpan.FromMinutes(15)) == 0, $"{watch.Stdout}\n{watch.Stderr}\n{serve.Stderr}");

        // A bad setting is refused naming the field as the API spells it.
        var bad = await http.PostAsJsonAsync("/api/evaluations", new { jobId = "done", imageSize = 100 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("imageSize:", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        (code, _, stderr) = CliProcess.Run(["evaluations", "submit", "--api", api, "--job-id", "done", "--folds", "1", "--json"]);
        Assert.True(code == 2 && stderr.Contains("folds:"), $"exit {code}: {stderr}");
        (code, _, stderr) = CliProcess.Run(["evaluations", "submit", "--api", api, "--job-id", "done", "--mix-real-share", "1.5", "--json"]);
        Assert.True(code == 2 && stderr.Contains("mixRealShare: mix real share must be between 0 and 1"), $"exit {code}: {stderr}");
        (code, _, stderr) = CliProcess.Run(["evaluations", "submit", "--api", api, "--job-id", "done", "--sets", "real,real+synthetic-raw-balanced", "--json"]);
        Assert.True(code == 2 && stderr.Contains("sets: training set 'real+synthetic-raw-balanced' needs a mix real share"), $"exit {code}: {stderr}");

        var submitted = Json(["evaluations", "submit", "--api", api, "--job-id", "done", .. Light]);
        var light = submitted.GetProperty("evaluationId").GetString()!;
        Assert.StartsWith("done-eval-", light);
        Assert.True(submitted.GetProperty("runs").GetArrayLength() >= 4); // 2 folds × real, synthetic-raw
        // The job had no evaluation of its own: it takes this one (its status, its dataset card).
        Assert.Equal(light, Json("status", "--api", api, "--job-id", "done").GetProperty("evaluationId").GetString());

        // Followed to its end as a script would: status lines while it runs, the finished one last, exit 0.
        using (var watch = CliProcess.Start(["evaluations", "watch", "--api", api, "--evaluation-id", light, "--json"]))
        {
            Assert.True(watch.WaitForExit(TimeSpan.FromMinutes(15)) == 0, $"{watch.Stdout}\n{watch.Stderr}");
            var lines = watch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal("Completed", lines[^1].GetProperty("phase").GetString());
            Assert.All(lines.SkipLast(1), l => Assert.NotEqual("Completed", l.GetProperty("phase").GetString()));
        }
        var finished = Json("evaluations", "show", "--api", api, "--evaluation-id", light);
        Assert.Equal("Completed", finished.GetProperty("phase").GetString());
        Assert.NotEmpty(finished.GetProperty("summary").EnumerateArray());
        // The summary as a person reads it: a section per model, each set's share taken of that model's own real-only Dice.
        var (showCode, shown, showErr) = CliProcess.Run("evaluations", "show", "--api", api, "--evaluation-id", light);
        Assert.True(showCode == 0, showErr);
        var scores = finished.GetProperty("summary").EnumerateArray().Select(s => (Model: s.GetProperty("model").GetString()!, Set: s.GetProperty("set").GetString()!, Dice: s.GetProperty("dice").GetDouble())).ToList();
        Assert.Equal(["unetpp", "unet"], scores.Select(s => s.Model).Distinct());
        var shownLines = shown.Split('\n');
        var unetSection = Array.FindIndex(shownLines, l => l.Trim() == "U-Net (from scratch):");
        Assert.True(unetSection > Array.FindIndex(shownLines, l => l.Trim() == "UNet++ (ImageNet ResNet18):"), shown);
        foreach (var model in new[] { "unetpp", "unet" })
        {
            var real = scores.Single(s => s.Model == model && s.Set == "real").Dice;
            var raw = scores.Single(s => s.Model == model && s.Set == "synthetic-raw").Dice;
            var line = shownLines.Where((l, i) => l.TrimStart().StartsWith("synthetic-raw ", StringComparison.Ordinal) && (model == "unet") == (i > unetSection)).Single();
            if (real > 0) Assert.EndsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"({raw / real * 100:F0} % of real)"), line.TrimEnd());
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/evaluations/{light}/report/report.md")).StatusCode);
        // The same request again is the same evaluation, untouched.
        var again = Json(["evaluations", "submit", "--api", api, "--job-id", "done", .. Light]);
        Assert.Equal((light, "Completed"), (again.GetProperty("evaluationId").GetString(), again.GetProperty("phase").GetString()));

        // A heavier one under a chosen id, cancelled while it runs.
        var heavy = Json("evaluations", "submit", "--api", api, "--job-id", "done", "--evaluation-id", "done-heavy", "--folds", "2", "--epochs", "200", "--mix-real-share", "0.5",
            "--sets", "real,real+synthetic-raw-balanced,synthetic-raw");
        Assert.Equal("done-heavy", heavy.GetProperty("evaluationId").GetString());
        // Balanced mixes were asked for, and only these sets: the plan holds them and nothing else.
        var keys = heavy.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("key").GetString()).ToList();
        Assert.Equal(["fold0-real", "fold0-real+synthetic-raw-balanced", "fold0-synthetic-raw", "fold1-real", "fold1-real+synthetic-raw-balanced", "fold1-synthetic-raw"],
            keys.Order(StringComparer.Ordinal));
        var cancelled = Json("evaluations", "cancel", "--api", api, "--evaluation-id", "done-heavy");
        Assert.Equal("Cancelled", cancelled.GetProperty("phase").GetString());
        Assert.Contains(cancelled.GetProperty("runs").EnumerateArray(), r => r.GetProperty("phase").GetString() == "Cancelled");
        Assert.Equal("Cancelled", Json("evaluations", "cancel", "--api", api, "--evaluation-id", "done-heavy").GetProperty("phase").GetString());
        // Watching a cancelled evaluation ends at once, with the exit code of work that did not all finish.
        (code, var watched, stderr) = CliProcess.Run("evaluations", "watch", "--api", api, "--evaluation-id", "done-heavy");
        Assert.True(code == 5 && watched.Contains("Cancelled"), $"exit {code}: {watched}\n{stderr}");
        (code, _, stderr) = CliProcess.Run("evaluations", "cancel", "--api", api, "--evaluation-id", "no-such-evaluation", "--json");
        Assert.True(code == 2 && stderr.Contains("404"), $"exit {code}: {stderr}");

        // Listed newest first, each with its job and phase; filtered by job.
        var listed = Json("evaluations", "list", "--api", api).EnumerateArray().ToList();
        Assert.Equal([("done-heavy", "done", "Cancelled"), (light, "done", "Completed")],
            listed.Select(e => (e.GetProperty("evaluationId").GetString(), e.GetProperty("jobId").GetString(), e.GetProperty("phase").GetString())));
        Assert.All(listed, e => Assert.True(e.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Empty(Json("evaluations", "list", "--api", api, "--job-id", "slow").EnumerateArray());
        var page = await http.GetFromJsonAsync<JsonElement>("/api/evaluations?limit=1");
        Assert.Equal("done-heavy", page.GetProperty("evaluations")[0].GetProperty("evaluationId").GetString());
        var rest = await http.GetFromJsonAsync<JsonElement>($"/api/evaluations?limit=1&continuation={page.GetProperty("continuation").GetString()}");
        Assert.Equal(light, rest.GetProperty("evaluations")[0].GetProperty("evaluationId").GetString());

        // Deleting the job deletes both evaluations, and takes them off the list.
        Assert.True(Json("delete", "--api", api, "--job-id", "done").GetProperty("existed").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/evaluations/{light}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/evaluations/done-heavy")).StatusCode);
        Assert.Empty(Json("evaluations", "list", "--api", api).EnumerateArray());
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(state, "artifacts"), "*", SearchOption.AllDirectories), d => d.Contains("done-heavy", StringComparison.Ordinal) || d.Contains(light, StringComparison.Ordinal));

        serve.Signal(15);
        Assert.Equal(0, serve.WaitForExit(TimeSpan.FromMinutes(1)));
    }

    private static (string Images, string Masks) Dataset(string name, int skip, int count)
    {
        var (dir, _) = TestData.PolypDataset(name, skip, count);
        return (Path.Combine(dir, "images"), Path.Combine(dir, "masks"));
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
