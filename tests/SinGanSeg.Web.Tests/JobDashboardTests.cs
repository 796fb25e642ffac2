using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SinGanSeg.Core.Tests;

namespace SinGanSeg.Web.Tests;

/// <summary>
/// The job dashboard end to end: a real silo host, real jobs on polyp pairs, and headless
/// Chromium watching the page update itself. Screenshots go to <see cref="BrowserFixture.Screenshots"/>.
/// </summary>
public sealed partial class JobDashboardTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(8);
    private static readonly string[] Working = ["Queued", "Training", "Generating", "Styling", "Scoring"];

    private sealed record Row(string Image, string Phase, string Scale, string Attempts, string Error);

    [Fact]
    public async Task Page_follows_a_job_live_shows_thumbnails_failures_and_retries_and_cancels()
    {
        var (images, masks) = Dataset("web-live", skip: 0, count: 2, withBrokenPair: true);
        using var http = new HttpClient { BaseAddress = fixture.Silo.Api, DefaultRequestHeaders = { { "X-Requested-With", "singanseg" } } };
        await Submit(http, new { jobId = "web-live", imagesDir = images, masksDir = masks, preset = "tiny", iterations = 2, samplesPerImage = 2 });

        var page = await fixture.NewPage();
        await page.GotoAsync("/");
        var row = page.Locator("[data-testid=job-row][data-job-id=web-live]");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await BrowserFixture.Screenshot(page, "01-jobs-list");

        // The job page follows the job over its stream; the plots ask the API only until the stream has brought a status.
        var statusGets = 0;
        page.Request += (_, request) => { if (request.Url.EndsWith("/api/jobs/web-live", StringComparison.Ordinal)) Interlocked.Increment(ref statusGets); };
        await row.Locator("[data-testid=job-link]").ClickAsync();
        await page.WaitForURLAsync("**/jobs/web-live");
        await Assertions.Expect(page.Locator("[data-testid=image-row]")).ToHaveCountAsync(3);
        // Anything the page shows from here on came in over the live stream: a reload would drop this mark.
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        var seen = new Dictionary<string, HashSet<string>>();
        var scales = new HashSet<string>();
        var runningShot = false;
        var rows = await WatchUntil(page, "Completed with errors", snapshot =>
        {
            foreach (var r in snapshot)
            {
                (seen.TryGetValue(r.Image, out var phases) ? phases : seen[r.Image] = []).Add(r.Phase);
                if (ScaleText().IsMatch(r.Scale)) scales.Add(r.Scale);
            }
            if (!runningShot && snapshot.Any(r => r.Phase == "Training" && ScaleText().IsMatch(r.Scale)))
            {
                runningShot = true;
                return BrowserFixture.Screenshot(page, "02-job-running");
            }
            return Task.CompletedTask;
        });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded instead of updating itself");
        Assert.Equal("live", await page.Locator("[data-testid=live-indicator]").GetAttributeAsync("data-mode"));

        var good = rows.Where(r => r.Image != "broken").ToList();
        Assert.Equal(2, good.Count);
        Assert.All(good, r => Assert.Equal("Done", r.Phase));
        Assert.All(good, r => Assert.True(seen[r.Image].Overlaps(Working), $"{r.Image} was never seen working, only {string.Join(", ", seen[r.Image])}"));
        Assert.NotEmpty(scales);
        Assert.All(good, r => Assert.Matches(ScaleText(), r.Scale));
        var broken = rows.Single(r => r.Image == "broken");
        Assert.Equal("Failed", broken.Phase);
        Assert.Contains("not a PNG or JPEG", broken.Error);
        Assert.Matches(@"\d+\.\d{3}", await page.Locator("[data-testid=job-sifid]").TextContentAsync() ?? "");
        Assert.Contains("SIFID", await page.Locator("[data-testid=job-sifid]").Locator("..").TextContentAsync() ?? "");
        Assert.Matches(@"\d+\.\d{3}", await page.Locator($"[data-testid=image-row][data-image={good[0].Image}] [data-testid=image-sifid]").TextContentAsync() ?? "");
        await Assertions.Expect(page.Locator("[data-testid=download-dataset]")).ToBeVisibleAsync();
        // The plots are drawn from the same statuses as the rest of the page, not fetched every 5 s beside the stream.
        Assert.Contains($"raw ({good.Count})", await page.Locator("[data-testid=chart-sifid] text").AllTextContentsAsync());
        Assert.True(statusGets <= 2, $"{statusGets} requests for the job's status beside its stream");
        // The gates only report by default: every sample of the two good images checked, none redrawn or dropped; each gate named.
        var checkedSamples = good.Count * 2;
        Assert.Equal($"{checkedSamples} checked · 0 regenerated · 0 dropped", await page.Locator("[data-testid=job-gates]").TextContentAsync());
        Assert.Matches(@"^copyCheck: \d+ flagged, 0 regenerated; quality: \d+ flagged, 0 regenerated$", await page.Locator("[data-testid=job-gates-detail]").TextContentAsync() ?? "");
        // Each on one line at this 1360-px viewport, also with a thousand-image job's counts and all three gates
        // (they wrapped to three lines in a grid column): the line boxes of the text, counted by their tops.
        const string LinesWith = "([el, text]) => { const old = el.textContent; el.textContent = text; const r = document.createRange(); r.selectNodeContents(el);"
            + " const n = new Set([...r.getClientRects()].map(c => Math.round(c.top))).size; el.textContent = old; return n; }";
        foreach (var (id, text) in new[] {
            ("job-gates", "10000 checked · 1000 regenerated · 1000 dropped"),
            ("job-gates-detail", "copyCheck: 1000 flagged, 1000 regenerated; quality: 1000 flagged, 1000 regenerated; maskAgreement: 1000 flagged, 1000 regenerated") })
        {
            var element = await page.Locator($"[data-testid={id}]").ElementHandleAsync();
            Assert.Equal(1, await page.EvaluateAsync<int>(LinesWith, new object[] { element, text }));
        }

        // Thumbnails of the real pair and of generated pairs, decoded by the browser.
        await page.Locator($"[data-testid=image-row][data-image={good[0].Image}]").ClickAsync();
        var detail = page.Locator($"[data-testid=image-detail][data-image={good[0].Image}]");
        await Assertions.Expect(detail.Locator("[data-testid=thumb-sample-image]")).ToHaveCountAsync(2);
        await detail.ScrollIntoViewIfNeededAsync();
        foreach (var kind in new[] { "thumb-real-image", "thumb-real-mask", "thumb-sample-image", "thumb-sample-mask" })
        {
            var imgs = detail.Locator($"[data-testid={kind}]");
            Assert.True(await imgs.CountAsync() > 0, kind);
            for (var i = 0; i < await imgs.CountAsync(); i++)
                await imgs.Nth(i).EvaluateAsync("img => img.complete && img.naturalWidth > 0 ? true : new Promise((ok, fail) => { img.onload = () => img.naturalWidth > 0 ? ok(true) : fail(new Error('empty ' + img.src)); img.onerror = () => fail(new Error('failed ' + img.src)); })");
        }
        await BrowserFixture.Screenshot(page, "03-job-done-with-thumbnails");

        // Retry runs the broken image again: a new attempt, which fails for the same reason.
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        var retry = page.Locator("[data-testid=retry-job]");
        await Assertions.Expect(retry).ToBeEnabledAsync();
        await retry.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=message]")).ToContainTextAsync("queued again");
        var brokenAttempts = page.Locator("[data-testid=image-row][data-image=broken] [data-testid=image-attempts]");
        await Assertions.Expect(brokenAttempts).ToHaveTextAsync("2", new() { Timeout = 120_000 });
        rows = await WatchUntil(page, "Completed with errors", _ => Task.CompletedTask);
        Assert.Equal("Failed", rows.Single(r => r.Image == "broken").Phase);
        Assert.Equal("2", rows.Single(r => r.Image == "broken").Attempts);
        Assert.All(rows.Where(r => r.Image != "broken"), r => Assert.Equal("Done", r.Phase));
        await BrowserFixture.Screenshot(page, "04-after-retry");

        // Cancel a job that is still training.
        var (longImages, longMasks) = Dataset("web-cancel", skip: 4, count: 1, withBrokenPair: false);
        await Submit(http, new { jobId = "web-cancel", imagesDir = longImages, masksDir = longMasks, preset = "tiny", iterations = 5000, samplesPerImage = 2 });
        await page.GotoAsync("/jobs/web-cancel");
        var training = page.Locator("[data-testid=image-row][data-phase=Training]");
        await Assertions.Expect(training).ToHaveCountAsync(1, new() { Timeout = 180_000 });
        await Assertions.Expect(training.Locator("[data-testid=image-iteration]")).ToHaveTextAsync(new Regex(@"^\d+/\d+$"), new() { Timeout = 120_000 });
        await Assertions.Expect(training.Locator("[data-testid=image-speed]")).ToHaveTextAsync(new Regex(@"^\d+\.\d$"));
        await BrowserFixture.Screenshot(page, "05-job-training");
        await page.Locator("[data-testid=cancel-job]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-phase]")).ToHaveTextAsync("Cancelled");
        await Assertions.Expect(page.Locator("[data-testid=image-row][data-phase=Cancelled]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=cancel-job]")).ToBeDisabledAsync();
        Assert.Equal("Cancelled", (await http.GetFromJsonAsync<JsonElement>("/api/jobs/web-cancel")).GetProperty("phase").GetString());
        await BrowserFixture.Screenshot(page, "06-job-cancelled");

        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("[data-testid=job-row][data-job-id=web-cancel] [data-testid=job-row-phase]")).ToHaveTextAsync("Cancelled");
        await Assertions.Expect(page.Locator("[data-testid=job-row][data-job-id=web-live] [data-testid=job-row-phase]")).ToHaveTextAsync("Completed with errors");
        await Assertions.Expect(page.Locator("[data-testid=job-row][data-job-id=web-live] [data-testid=job-row-failed]")).ToHaveTextAsync("1");
        await BrowserFixture.Screenshot(page, "07-jobs-list-final");
    }

    [Fact]
    public async Task Thumbnails_serve_only_the_jobs_own_images()
    {
        var (images, masks) = Dataset("web-refuse", skip: 6, count: 1, withBrokenPair: false);
        using var http = new HttpClient { BaseAddress = fixture.Silo.Api, DefaultRequestHeaders = { { "X-Requested-With", "singanseg" } } };
        await Submit(http, new { jobId = "web-refuse", imagesDir = images, masksDir = masks, preset = "tiny", iterations = 2, samplesPerImage = 1 });
        await http.PostAsync("/api/jobs/web-refuse/cancel", null); // only its spec matters here
        var name = Path.GetFileNameWithoutExtension(Directory.GetFiles(images)[0]);

        var real = await http.GetAsync($"/api/jobs/web-refuse/images/{name}/thumbnail/mask");
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        Assert.Equal("image/png", real.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(real.Headers.CacheControl?.MaxAge);

        string[] refused =
        [
            "/api/jobs/web-refuse/images/..%2F..%2F..%2Fetc%2Fpasswd/thumbnail/image",
            "/api/jobs/web-refuse/images/..%2Fspec/thumbnail/image",
            "/api/jobs/web-refuse/images/not-in-the-job/thumbnail/image",
            $"/api/jobs/web-refuse/images/{name}/thumbnail/passwd",
            "/api/jobs/web-refuse/samples/..%2F..%2Fspec/thumbnail/image",
            "/api/jobs/web-refuse/samples/spec.json/thumbnail/image",
            "/api/jobs/web-refuse/samples/no-such-sample/thumbnail/mask",
            "/api/jobs/..%2F..%2Fjobs%2Fweb-refuse/images/x/thumbnail/image",
            $"/api/jobs/no-such-job/images/{name}/thumbnail/image",
            "/api/jobs/web-refuse/images/%2Fetc%2Fpasswd/samples",
            "/ui/appsettings.json",
            "/ui/..%2Fappsettings.json",
        ];
        foreach (var path in refused)
        {
            var response = await http.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/api/jobs/no-such-job/retry", null)).StatusCode);
        var nothingToRetry = await http.PostAsync("/api/jobs/web-refuse/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, nothingToRetry.StatusCode);
        Assert.Equal("application/problem+json", nothingToRetry.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unauthorized_answers_show_a_sign_in_link()
    {
        var page = await fixture.NewPage();
        // Stands in for the cluster's authentication, which is not on in the embedded default.
        await page.RouteAsync("**/api/**", route => route.FulfillAsync(new() { Status = 401, ContentType = "application/problem+json", Body = "{\"status\":401}" }));
        await page.GotoAsync("/jobs/anything");
        var link = page.Locator("[data-testid=message-link]");
        await Assertions.Expect(link).ToBeVisibleAsync();
        Assert.StartsWith("/login", await link.GetAttributeAsync("href"));
        await BrowserFixture.Screenshot(page, "08-sign-in");
    }

    [GeneratedRegex(@"^\d+/[1-9]\d*$")]
    private static partial Regex ScaleText();

    /// <summary>Reads the image table every 250 ms, without reloading, until the job shows <paramref name="phase"/>.</summary>
    private async Task<IReadOnlyList<Row>> WatchUntil(IPage page, string phase, Func<IReadOnlyList<Row>, Task> observe)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            var json = await page.EvaluateAsync<string>("""
                () => JSON.stringify({
                  phase: document.querySelector('[data-testid=job-phase]')?.textContent ?? '',
                  rows: [...document.querySelectorAll('[data-testid=image-row]')].map(r => ({
                    image: r.dataset.image, phase: r.dataset.phase ?? '',
                    scale: r.querySelector('[data-testid=image-scale]').textContent,
                    attempts: r.querySelector('[data-testid=image-attempts]').textContent,
                    error: r.querySelector('[data-testid=image-error]').textContent })) })
                """);
            var snapshot = JsonSerializer.Deserialize<Snapshot>(json, JsonSerializerOptions.Web)!;
            await observe(snapshot.Rows);
            if (snapshot.Phase == phase) return snapshot.Rows;
            if (DateTime.UtcNow > deadline)
            {
                await BrowserFixture.Screenshot(page, "timeout");
                Assert.Fail($"job still '{snapshot.Phase}' after {JobTimeout}: {json}\n{fixture.Silo.Log}");
            }
            await Task.Delay(250);
        }
    }

    private sealed record Snapshot(string Phase, IReadOnlyList<Row> Rows);

    private async Task Submit(HttpClient http, object job)
    {
        var response = await http.PostAsJsonAsync("/api/jobs", job);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{fixture.Silo.Log}");
    }

    /// <summary>Polyp pairs in a folder of their own, plus a "broken" pair whose image is not an image at all.</summary>
    private static (string Images, string Masks) Dataset(string name, int skip, int count, bool withBrokenPair)
    {
        var dir = TestData.NewTempDir(name);
        var images = Directory.CreateDirectory(Path.Combine(dir, "images")).FullName;
        var masks = Directory.CreateDirectory(Path.Combine(dir, "masks")).FullName;
        foreach (var n in Directory.GetFiles(Path.Combine(TestData.Polyps, "images")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Skip(skip).Take(count))
        {
            File.Copy(TestData.PolypImage(n!), Path.Combine(images, n + ".jpg"));
            File.Copy(TestData.PolypMask(n!), Path.Combine(masks, n + ".jpg"));
        }
        if (withBrokenPair)
        {
            File.WriteAllText(Path.Combine(images, "broken.jpg"), "this is not a JPEG");
            File.Copy(TestData.PolypMask(TestData.ReferencePair), Path.Combine(masks, "broken.jpg"));
        }
        return (images, masks);
    }
}
