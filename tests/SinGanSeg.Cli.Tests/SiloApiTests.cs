using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>The REST API of a running silo host, through the CLI's cluster commands and raw HTTP.</summary>
public class SiloApiTests(SiloProcess silo) : IClassFixture<SiloProcess>
{
    private string Api => silo.Api.AbsoluteUri;

    private static (string Images, string Masks) Dataset(string name, int skip, int count = 2)
    {
        var dir = TestData.NewTempDir(name);
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        foreach (var n in Directory.GetFiles(Path.Combine(TestData.Polyps, "images")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Skip(skip).Take(count))
        {
            File.Copy(TestData.PolypImage(n!), Path.Combine(dir, "images", n + ".jpg"));
            File.Copy(TestData.PolypMask(n!), Path.Combine(dir, "masks", n + ".jpg"));
        }
        return (Path.Combine(dir, "images"), Path.Combine(dir, "masks"));
    }

    [Fact]
    public async Task Submit_watch_download_with_server_side_folders()
    {
        var (images, masks) = Dataset("api-paths", skip: 20);
        var (code, stdout, stderr) = CliProcess.Run("submit", "--api", Api, "--job-id", "paths", "--images", images, "--masks", masks, "--preset", "tiny", "--iters", "2", "--samples-per-image", "2");
        Assert.True(code == 0, stderr + silo.Log);
        Assert.Contains("job paths", stdout);
        (code, _, stderr) = CliProcess.Run("watch", "--api", Api, "--job-id", "paths");
        Assert.True(code == 0, stderr);
        // The status's gate counts, with the redraws by asking gate (none here: the gates only report by default;
        // GateTests checks the attribution when a gate redraws).
        using (var http = new HttpClient { BaseAddress = silo.Api, DefaultRequestHeaders = { { "X-Requested-With", "singanseg" } } })
        {
            var gates = (await http.GetFromJsonAsync<JsonElement>("/api/jobs/paths")).GetProperty("gates");
            Assert.Equal(4, gates.GetProperty("checked").GetInt32());
            var by = gates.GetProperty("regeneratedBy").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            Assert.Equal(gates.GetProperty("regenerated").GetInt32(), by.Values.Sum());
            Assert.Empty(by);
        }
        var output = TestData.NewTempDir("api-download");
        (code, stdout, stderr) = CliProcess.Run("download", "--api", Api, "--job-id", "paths", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(output, "images")).Length);
        Assert.Equal(Directory.GetFiles(Path.Combine(output, "images")).Select(Path.GetFileName), Directory.GetFiles(Path.Combine(output, "masks")).Select(Path.GetFileName));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(output, "manifest.jsonl")).Length);
        (code, stdout, _) = CliProcess.Run("jobs", "--api", Api);
        Assert.Equal(0, code);
        Assert.Contains("paths", stdout);
    }

    [Fact]
    public void Submit_by_upload_then_resubmit_changes_nothing()
    {
        var (images, masks) = Dataset("api-upload", skip: 22);
        string[] submit = ["submit", "--api", Api, "--job-id", "uploaded", "--images", images, "--masks", masks, "--upload", "--preset", "tiny", "--iters", "2", "--samples-per-image", "1"];
        var (code, _, stderr) = CliProcess.Run(submit);
        Assert.True(code == 0, stderr + silo.Log);
        (code, _, stderr) = CliProcess.Run("watch", "--api", Api, "--job-id", "uploaded");
        Assert.True(code == 0, stderr);
        var uploaded = Directory.GetFiles(Path.Combine(silo.StateDirectory, "artifacts", "jobs", "uploaded", "inputs"), "*", SearchOption.AllDirectories);
        Assert.Equal(4, uploaded.Length);
        var written = uploaded.ToDictionary(f => f, File.GetLastWriteTimeUtc);
        (code, var stdout, stderr) = CliProcess.Run(submit);
        Assert.True(code == 0, stderr);
        Assert.Contains("Completed", stdout);
        Assert.All(written, w => Assert.Equal(w.Value, File.GetLastWriteTimeUtc(w.Key)));
    }

    [Fact]
    public async Task Errors_are_problem_details()
    {
        using var http = new HttpClient { BaseAddress = silo.Api, DefaultRequestHeaders = { { "X-Requested-With", "singanseg" } } };
        var missing = await http.GetAsync("/api/jobs/no-such-job");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var problem = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("no-such-job", problem.GetProperty("detail").GetString());

        var noEvaluation = await http.GetAsync("/api/evaluations/no-such-evaluation");
        Assert.Equal(HttpStatusCode.NotFound, noEvaluation.StatusCode);
        Assert.Contains("no-such-evaluation", (await noEvaluation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var (images, masks) = Dataset("api-errors", skip: 24, count: 1);
        var tooFew = await http.PostAsJsonAsync("/api/jobs", new { jobId = "eval-few", imagesDir = images, masksDir = masks, preset = "tiny", evaluate = new { folds = 3 } });
        Assert.Equal(HttpStatusCode.BadRequest, tooFew.StatusCode);
        Assert.Contains("at least 6 images", (await tooFew.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var bad = await http.PostAsJsonAsync("/api/jobs", new { jobId = "bad-preset", imagesDir = images, masksDir = masks, preset = "huge" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("unknown preset", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var relative = await http.PostAsJsonAsync("/api/jobs", new { jobId = "relative", images = new[] { new { name = "a", image = "images/a.jpg", mask = "masks/a.jpg" } }, preset = "tiny" });
        Assert.Equal(HttpStatusCode.BadRequest, relative.StatusCode);

        var slow = new { jobId = "slow", imagesDir = images, masksDir = masks, preset = "tiny", iterations = 3000, samplesPerImage = 1 };
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/jobs", slow)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/jobs", slow)).StatusCode);
        var conflict = await http.PostAsJsonAsync("/api/jobs", slow with { samplesPerImage = 2 });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        var early = await http.GetAsync("/api/jobs/slow/dataset");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        var (code, stdout, _) = CliProcess.Run("cancel", "--api", Api, "--job-id", "slow");
        Assert.Equal(0, code);
        Assert.Contains("Cancelled", stdout);

        var (statusCode, _, stderr) = CliProcess.Run("status", "--api", Api, "--job-id", "no-such-job");
        Assert.Equal(2, statusCode);
        Assert.Contains("404", stderr);
    }
}
