using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The silo host started as its container image starts it (ASPNETCORE_HTTP_PORTS: every interface),
/// with API keys, the Prometheus management port, one input root and small work limits.
/// </summary>
public sealed class ContainerSilo : IAsyncLifetime
{
    public const string Key = "container-key-0123456789abcdef";
    public const int MaxEventStreams = 2;

    public string Roots { get; } = TestData.NewTempDir("input-roots");
    public string Outside { get; } = TestData.NewTempDir("outside-roots");
    public int MetricsPort { get; } = TelemetrySiloProcess.FreePort();
    public TelemetrySiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await TelemetrySiloProcess.StartAsync(httpPortsVariable: true,
        $"--Auth:ApiKeys={Key}",
        "--Telemetry:Prometheus:Enabled=true", $"--Telemetry:Prometheus:Port={MetricsPort}",
        $"--SinGanSeg:InputRoots:0={Roots}",
        "--Limits:MaxIterations=100", "--Limits:MaxSize=300", "--Limits:MaxImagesPerJob=3", "--Limits:MaxSamplesPerImage=5",
        $"--Limits:MaxEventStreamsPerClient={MaxEventStreams}");

    public async Task DisposeAsync()
    {
        if (Silo is not null) await Silo.DisposeAsync();
    }

    public HttpClient Client(string? key = Key)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Silo.Api };
        if (key is not null) http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }
}

/// <summary>Issue 12's findings, one test each (findings 1, 6 and 7 are tested where their code runs).</summary>
public class InnerDoorsTests(ContainerSilo container, SiloProcess local) : IClassFixture<ContainerSilo>, IClassFixture<SiloProcess>
{
    private static readonly string[] Small = ["cju2zdvjn9h7r08553cp4eed5", "cju8bff9nrfi10850fmfzbf8v"];

    /// <summary>One real pair as images/ and masks/ under <paramref name="root"/>.</summary>
    private static string Dataset(string root, string name, string id)
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        File.Copy(TestData.PolypImage(id), Path.Combine(dir, "images", id + ".jpg"), overwrite: true);
        File.Copy(TestData.PolypMask(id), Path.Combine(dir, "masks", id + ".jpg"), overwrite: true);
        return dir;
    }

    private static async Task<(HttpStatusCode Status, string Detail)> Submit(HttpClient http, object job)
    {
        var response = await http.PostAsJsonAsync("/api/jobs", job);
        var body = await response.Content.ReadAsStringAsync();
        var detail = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString() ?? ""
            : body;
        return (response.StatusCode, detail);
    }

    [Fact]
    public async Task Finding2_ServerPathsAreConfinedToTheInputRoots()
    {
        using var http = container.Client();
        var inside = Dataset(container.Roots, "inside", Small[0]);
        var outside = Dataset(container.Outside, "outside", Small[1]);
        var (status, detail) = await Submit(http, new { jobId = "roots-inside", imagesDir = Path.Combine(inside, "images"), masksDir = Path.Combine(inside, "masks"), preset = "tiny", iterations = 2, samplesPerImage = 1 });
        Assert.True(status == HttpStatusCode.Accepted, detail + container.Silo.Log);
        await http.PostAsync("/api/jobs/roots-inside/cancel", null);

        // Out by name, by "..", through a linked folder, through a linked file, and a path that does not exist: the same 400.
        Directory.CreateSymbolicLink(Path.Combine(container.Roots, "linked"), outside);
        var mixed = Dataset(container.Roots, "mixed", Small[0]);
        File.Delete(Path.Combine(mixed, "images", Small[0] + ".jpg"));
        File.CreateSymbolicLink(Path.Combine(mixed, "images", Small[0] + ".jpg"), Path.Combine(outside, "images", Small[1] + ".jpg"));
        var refused = new (string Images, string Masks)[]
        {
            (Path.Combine(outside, "images"), Path.Combine(outside, "masks")),
            (Path.Combine(container.Roots, "..", Path.GetFileName(container.Outside), "outside", "images"), Path.Combine(inside, "masks")),
            (Path.Combine(container.Roots, "linked", "images"), Path.Combine(container.Roots, "linked", "masks")),
            (Path.Combine(mixed, "images"), Path.Combine(mixed, "masks")),
            ("/etc/no-such-folder", "/etc"),
        };
        foreach (var (images, masks) in refused)
        {
            (status, detail) = await Submit(http, new { jobId = "roots-outside", imagesDir = images, masksDir = masks, preset = "tiny" });
            Assert.True(status == HttpStatusCode.BadRequest, $"{images}: {status} {detail}");
            Assert.Contains("outside the input roots", detail);
        }
        (status, detail) = await Submit(http, new { jobId = "roots-list", images = new[] { new { name = "a", image = "/etc/passwd", mask = "/etc/passwd" } }, preset = "tiny" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("outside the input roots", detail);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/jobs/roots-outside")).StatusCode);
    }

    [Fact]
    public async Task Finding3_ThumbnailsDecodeOnlyThroughTheEnginesLoader()
    {
        using var http = container.Client();
        var dir = Dataset(container.Roots, "thumbs", Small[0]);
        using (var bmp = new Image<Rgb24>(32, 32)) await bmp.SaveAsBmpAsync(Path.Combine(dir, "images", "bitmap.jpg"));
        using (var wide = new Image<Rgb24>(5000, 4)) await wide.SaveAsPngAsync(Path.Combine(dir, "images", "wide.png"));
        var real = Path.Combine(dir, "images", Small[0] + ".jpg");
        var mask = Path.Combine(dir, "masks", Small[0] + ".jpg");
        var (status, detail) = await Submit(http, new
        {
            jobId = "thumbs",
            images = new[]
            {
                new { name = "real", image = real, mask },
                new { name = "bitmap", image = Path.Combine(dir, "images", "bitmap.jpg"), mask },
                new { name = "wide", image = Path.Combine(dir, "images", "wide.png"), mask },
            },
            preset = "tiny",
            samplesPerImage = 1,
        });
        Assert.True(status == HttpStatusCode.Accepted, detail);
        await http.PostAsync("/api/jobs/thumbs/cancel", null);

        var ok = await http.GetAsync("/api/jobs/thumbs/images/real/thumbnail/image");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("image/jpeg", ok.Content.Headers.ContentType?.MediaType);
        var bitmap = await http.GetAsync("/api/jobs/thumbs/images/bitmap/thumbnail/image");
        Assert.Equal((HttpStatusCode)422, bitmap.StatusCode);
        Assert.Contains("not a PNG or JPEG", await bitmap.Content.ReadAsStringAsync());
        var wideThumb = await http.GetAsync("/api/jobs/thumbs/images/wide/thumbnail/image");
        Assert.Equal((HttpStatusCode)422, wideThumb.StatusCode);
        Assert.Contains("over the 4096x4096 limit", await wideThumb.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Finding4_OpenHostRefusesToStartWithoutKeys()
    {
        var state = TestData.NewTempDir("open-host");
        var start = SiloProcess.StartInfo([
            $"--Silo:SiloPort={SiloProcess.FreePort()}", $"--Silo:GatewayPort={SiloProcess.FreePort()}",
            $"--SinGanSeg:StateDirectory={state}", "--SinGanSeg:Device=cpu",
        ]);
        start.Environment["ASPNETCORE_HTTP_PORTS"] = SiloProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the silo started on every interface without authentication");
        }
        Assert.NotEqual(0, process.ExitCode);
        var lines = (await error).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, await error + await output);
        Assert.Contains("refusing to start", lines[0]);
        Assert.Contains("Auth__ApiKeys", lines[0]);
        Assert.Contains("Auth__Required=false", lines[0]);
    }

    [Fact]
    public async Task Finding4_EmbeddedWritesNeedTheCsrfHeaderAndLoopbackHostNames()
    {
        using var http = new HttpClient { BaseAddress = local.Api };
        var forged = await http.PostAsync("/api/jobs/no-such-job/cancel", null);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("X-Requested-With: singanseg", await forged.Content.ReadAsStringAsync());
        using var fromCli = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/no-such-job/cancel") { Headers = { { "X-Requested-With", "singanseg" } } };
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(fromCli)).StatusCode);

        // A page on a name rebound to 127.0.0.1 sends its own name as Host.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Host = "attacker.example" } };
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(rebound)).StatusCode);
        using var named = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Host = $"localhost:{local.Api.Port}" } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(named)).StatusCode);
    }

    [Fact]
    public async Task Finding5_MetricsAreServedByPortNotHostHeader()
    {
        foreach (var key in new[] { ContainerSilo.Key, null })
        {
            using var http = container.Client(key);
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Host = $"localhost:{container.MetricsPort}" } };
            Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(spoofed)).StatusCode);
        }
        using var scraper = new HttpClient();
        Assert.Contains("# TYPE ", await scraper.GetStringAsync($"http://127.0.0.1:{container.MetricsPort}/metrics"));
        // The management port is open to the scraper, so it serves nothing else.
        using var api = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{container.MetricsPort}/api/jobs") { Headers = { { "X-Api-Key", ContainerSilo.Key } } };
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.SendAsync(api)).StatusCode);
    }

    [Fact]
    public async Task Finding8_WorkIsCappedEventStreamsLimitedAndTheDatasetStreamed()
    {
        using var http = container.Client();
        var dir = Dataset(container.Roots, "capped", Small[1]);
        var images = Path.Combine(dir, "images");
        var masks = Path.Combine(dir, "masks");
        var over = new (object Job, string Limit)[]
        {
            (new { jobId = "capped", imagesDir = images, masksDir = masks, preset = "tiny", iterations = 101 }, "Limits:MaxIterations"),
            (new { jobId = "capped", imagesDir = images, masksDir = masks, preset = "tiny", maxSize = 301 }, "Limits:MaxSize"),
            (new { jobId = "capped", imagesDir = images, masksDir = masks, preset = "paper" }, "Limits:MaxIterations"),
            (new { jobId = "capped", imagesDir = images, masksDir = masks, preset = "tiny", samplesPerImage = 6 }, "Limits:MaxSamplesPerImage"),
            (new
            {
                jobId = "capped", preset = "tiny",
                images = Enumerable.Range(0, 4).Select(i => new { name = $"i{i}", image = Path.Combine(images, Small[1] + ".jpg"), mask = Path.Combine(masks, Small[1] + ".jpg") }).ToArray(),
            }, "Limits:MaxImagesPerJob"),
        };
        foreach (var (job, limit) in over)
        {
            var (status, detail) = await Submit(http, job);
            Assert.True(status == HttpStatusCode.BadRequest, $"{limit}: {status} {detail}");
            Assert.Contains(limit, detail);
        }

        // Live event streams: the limit per client, and a closed one frees its place.
        var streams = new List<HttpResponseMessage>();
        for (var i = 0; i < ContainerSilo.MaxEventStreams; i++)
        {
            var stream = await http.GetAsync("/api/dashboard/jobs/events", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            streams.Add(stream);
        }
        using (var refused = await http.GetAsync("/api/dashboard/jobs/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Contains("Limits:MaxEventStreamsPerClient", await refused.Content.ReadAsStringAsync());
        }
        streams[0].Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var again = await http.GetAsync("/api/dashboard/jobs/events", HttpCompletionOption.ResponseHeadersRead);
            if (again.StatusCode == HttpStatusCode.OK)
            {
                streams[0] = again;
                break;
            }
            again.Dispose();
            Assert.True(DateTime.UtcNow < deadline, "a closed event stream never freed its place");
            await Task.Delay(500);
        }
        streams.ForEach(s => s.Dispose());

        // The dataset is written straight into the response (chunked, no staged file of known length).
        var (accepted, why) = await Submit(http, new { jobId = "streamed", imagesDir = images, masksDir = masks, preset = "tiny", iterations = 2, samplesPerImage = 1 });
        Assert.True(accepted == HttpStatusCode.Accepted, why);
        deadline = DateTime.UtcNow.AddMinutes(4);
        string phase;
        do
        {
            await Task.Delay(500);
            phase = (await http.GetFromJsonAsync<JsonElement>("/api/jobs/streamed")).GetProperty("phase").GetString()!;
            Assert.True(DateTime.UtcNow < deadline, $"job still {phase}:\n{container.Silo.Log}");
        }
        while (phase is "Accepted" or "Running");
        Assert.Equal("Completed", phase);
        using var dataset = await http.GetAsync("/api/jobs/streamed/dataset", HttpCompletionOption.ResponseHeadersRead);
        Assert.True(dataset.StatusCode == HttpStatusCode.OK, container.Silo.Log);
        Assert.Null(dataset.Content.Headers.ContentLength);
        Assert.True(dataset.Headers.TransferEncodingChunked);
        byte[] bytes;
        try
        {
            bytes = await dataset.Content.ReadAsByteArrayAsync();
        }
        catch (HttpRequestException e)
        {
            throw new Xunit.Sdk.XunitException($"the download broke off ({e.Message}):\n{container.Silo.Log}");
        }
        using var zip = new ZipArchive(new MemoryStream(bytes));
        Assert.Single(zip.Entries, e => e.FullName.StartsWith("images/", StringComparison.Ordinal));
        Assert.Single(zip.Entries, e => e.FullName.StartsWith("masks/", StringComparison.Ordinal));
        Assert.Contains(zip.Entries, e => e.FullName == "manifest.jsonl");
    }
}
