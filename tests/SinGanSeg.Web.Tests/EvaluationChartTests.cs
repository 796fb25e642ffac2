using Microsoft.Playwright;
using SinGanSeg.Core.Evaluation;
using SinGanSeg.Core.Segmentation;
using SinGanSeg.Core.Tests;

namespace SinGanSeg.Web.Tests;

/// <summary>
/// The evaluation's charts as a reader sees them: written by the report from fold results, drawn
/// by headless Chromium (screenshots in the test output), and checked for what makes a chart
/// readable: a title, axis titles, tick values, a legend naming every set, fold error bars, and
/// no text drawn outside the picture.
/// </summary>
public sealed class EvaluationChartTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static EvaluationResult Result(string set, int fold, double dice, int? realImages = null) =>
        new(set + "/fold" + fold, fold, set, realImages, 40, 10, 10, 12, 0.7, new SegmentationScores(dice * 0.8, dice, 0.8, 0.8, 0.95), 30);

    [Fact]
    public async Task Dice_and_small_data_charts_have_axes_ticks_legend_and_error_bars()
    {
        var results = new List<EvaluationResult>();
        var sets = new[] { ("real", 0.82), ("synthetic-raw", 0.74), ("synthetic-styled", 0.77), ("real+synthetic-raw", 0.84) };
        foreach (var (set, dice) in sets)
            for (var fold = 0; fold < 3; fold++) results.Add(Result(set, fold, dice + (fold - 1) * 0.03));
        foreach (var n in new[] { 5, 10, 20 })
            for (var fold = 0; fold < 3; fold++)
            {
                results.Add(Result($"real@{n}", fold, 0.4 + n / 50.0 + fold * 0.02, n));
                results.Add(Result($"real+synthetic-raw@{n}", fold, 0.5 + n / 60.0 + fold * 0.02, n));
            }
        var dir = TestData.NewTempDir("eval-charts");
        EvaluationReport.Write(dir, "chart test", results, new { folds = 3 });
        Assert.Contains("![Dice per training set](dice.svg)", File.ReadAllText(Path.Combine(dir, "report.md")));

        var page = await fixture.NewPage();
        foreach (var (file, legend, xTicks) in new[] { ("dice.svg", sets.Select(s => s.Item1).ToArray(), sets.Select(s => s.Item1).ToArray()), ("small-data.svg", ["real", "real+synthetic-raw"], new[] { "5", "10", "20" }) })
        {
            // Inline in a page, as a Markdown viewer or the dashboard shows it.
            await page.SetContentAsync($"<!doctype html><html><body style=\"margin:0\">{File.ReadAllText(Path.Combine(dir, file))}</body></html>");
            var texts = await page.Locator("text").AllTextContentsAsync();
            Assert.Contains("Dice (mean over folds)", texts);
            Assert.Contains(file == "dice.svg" ? "training set" : "real training images N", texts);
            foreach (var tick in new[] { "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" }) Assert.Contains(tick, texts);
            foreach (var tick in xTicks) Assert.Contains(tick, texts);
            var legendTexts = await page.Locator("g.legend text").AllTextContentsAsync();
            foreach (var name in legend) Assert.Contains(name, legendTexts);
            Assert.Contains(legendTexts, t => t.Contains("±1 std", StringComparison.Ordinal));
            Assert.True(await page.Locator("path.error-bar").CountAsync() >= (file == "dice.svg" ? 4 : 6));
            // Every label is drawn, inside the picture, at a readable size.
            var boxes = await page.EvaluateAsync<double[][]>("() => [...document.querySelectorAll('text')].map(t => { const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })");
            var frame = await page.EvaluateAsync<double[]>("() => { const b = document.querySelector('svg').getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }");
            Assert.All(boxes, b => Assert.True(b[2] - b[0] > 0 && b[3] - b[1] >= 9 && b[0] >= frame[0] && b[1] >= frame[1] && b[2] <= frame[2] + 1 && b[3] <= frame[3] + 1,
                $"label box {string.Join(",", b)} outside {string.Join(",", frame)}"));
            await BrowserFixture.Screenshot(page, "evaluation-" + Path.GetFileNameWithoutExtension(file));
        }
        // The dice bar's value label is the mean over the folds.
        await page.SetContentAsync($"<!doctype html><html><body>{File.ReadAllText(Path.Combine(dir, "dice.svg"))}</body></html>");
        Assert.Contains("0.820", await page.Locator("text.value").AllTextContentsAsync());
    }

    private static readonly DateTimeOffset Created = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A page with charts.js as the silo host serves it, for plots drawn from made-up statuses.</summary>
    private async Task<IPage> ChartsPage()
    {
        var page = await fixture.NewPage();
        await page.GotoAsync("/");
        await page.AddScriptTagAsync(new() { Url = "/ui/charts.js" });
        return page;
    }

    /// <summary>
    /// The job page's plots (charts.js as the silo host serves it) on a status with a known history:
    /// 4 of 10 images done in the first 400 s, so at that pace the other 6 need 600 s.
    /// </summary>
    [Fact]
    public async Task Dashboard_progress_and_sifid_plots_have_axes_legend_and_the_eta()
    {
        var page = await ChartsPage();
        var created = Created;
        var images = Enumerable.Range(0, 10).Select(i => new
        {
            name = $"img{i}",
            phase = i < 4 ? "Done" : "Training",
            updatedAt = i < 4 ? created.AddSeconds(100 * (i + 1)) : (DateTimeOffset?)null,
            sifid = i < 4 ? 0.2 + (0.1 * i) : (double?)null,
            sifidStyled = i < 4 ? 0.15 + (0.05 * i) : (double?)null,
        });
        var status = new { jobId = "plots", createdAt = created, finishedAt = (DateTimeOffset?)null, sifidMetric = "SIFID-ResNet18-stem", images };
        await page.EvaluateAsync(
            "([json, now]) => { const div = document.createElement('div'); div.id = 'plots'; div.style.background = 'white'; document.body.prepend(div); window.SinGanSegCharts.render(div, JSON.parse(json), now); }",
            new object[] { System.Text.Json.JsonSerializer.Serialize(status, System.Text.Json.JsonSerializerOptions.Web), (double)created.AddSeconds(400).ToUnixTimeMilliseconds() });

        var progress = page.Locator("[data-testid=chart-progress]");
        Assert.Equal("600", await progress.GetAttributeAsync("data-eta-seconds"));
        var progressTexts = await progress.Locator("text").AllTextContentsAsync();
        Assert.Contains("images done", progressTexts);
        Assert.Contains(progressTexts, t => t.StartsWith("time since submission (ETA 10 min)", StringComparison.Ordinal));
        Assert.Contains("10", progressTexts);
        Assert.Contains("at the current pace (ETA)", progressTexts);
        Assert.Equal(1, await progress.Locator("[data-series=eta]").CountAsync());

        var histogram = page.Locator("[data-testid=chart-sifid]");
        var histogramTexts = await histogram.Locator("text").AllTextContentsAsync();
        Assert.Contains("SIFID-ResNet18-stem (lower is closer to the real image)", histogramTexts);
        Assert.Contains("raw (4)", histogramTexts);
        Assert.Contains("styled (4)", histogramTexts);
        // Every image is in exactly one bin of each series.
        var counts = await histogram.EvaluateAsync<int[]>("svg => ['raw', 'styled'].map(s => [...svg.querySelectorAll(`rect[data-series=${s}]`)].reduce((n, r) => n + Number(r.querySelector('title').textContent.split(': ')[1].split(' ')[0]), 0))");
        Assert.Equal([4, 4], counts);
        // The legends sit between the title and the plot: the lowest legend pixel is above the y axis's top,
        // so no bar (the first bin's is as tall as the plot here) and no line runs under one.
        foreach (var chart in new[] { progress, histogram })
        {
            var (legendBottom, plotTop) = await chart.EvaluateAsync<double[]>("svg => { const axis = [...svg.querySelectorAll('line')].find(l => l.getAttribute('x1') === l.getAttribute('x2'));"
                + " const bottom = Math.max(...[...svg.querySelectorAll('g.legend-entry')].map(g => { const b = g.getBBox(); return b.y + b.height; }));"
                + " return [bottom, Math.min(Number(axis.getAttribute('y1')), Number(axis.getAttribute('y2')))]; }") switch { var v => (v[0], v[1]) };
            Assert.True(legendBottom <= plotTop, $"a legend reaches y {legendBottom}, below the plot's top at {plotTop}");
            // Every text inside the drawing (the last time tick's label was once cut at the right edge).
            // (On screen, so the rotated y axis title counts where it is drawn.)
            var outside = await chart.EvaluateAsync<string[]>("svg => { const s = svg.getBoundingClientRect();"
                + " return [...svg.querySelectorAll('text')].filter(t => { const b = t.getBoundingClientRect(); return b.left < s.left - 0.5 || b.top < s.top - 0.5 || b.right > s.right + 0.5 || b.bottom > s.bottom + 0.5; }).map(t => t.textContent); }");
            Assert.Empty(outside);
        }
        await page.Locator("#plots").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "dashboard-plots.png") });
    }

    /// <summary>
    /// Small counts on the plots' image axes: 1 of 2 images done. The axes count whole images, so
    /// their labels are distinct integers (they once read "0, 1, 1" and "0, 1, 1, 2, 2").
    /// </summary>
    [Fact]
    public async Task The_plots_image_axes_label_whole_numbers_once_each()
    {
        var page = await ChartsPage();
        var created = Created;
        var images = new[]
        {
            new { name = "a", phase = "Done", updatedAt = (DateTimeOffset?)created.AddSeconds(60), sifid = (double?)0.3 },
            new { name = "b", phase = "Training", updatedAt = (DateTimeOffset?)null, sifid = (double?)null },
        };
        var status = new { jobId = "small", createdAt = created, finishedAt = (DateTimeOffset?)null, sifidMetric = "SIFID-ResNet18-stem", images };
        await page.EvaluateAsync(
            "([json, now]) => { const div = document.createElement('div'); div.id = 'plots'; document.body.prepend(div); window.SinGanSegCharts.render(div, JSON.parse(json), now); }",
            new object[] { System.Text.Json.JsonSerializer.Serialize(status, System.Text.Json.JsonSerializerOptions.Web), (double)created.AddSeconds(90).ToUnixTimeMilliseconds() });
        // The y axis's labels are the right-aligned tick texts.
        var progressAxis = await page.Locator("[data-testid=chart-progress] text.tick[text-anchor=end]").AllTextContentsAsync();
        Assert.Equal(["0", "1", "2"], progressAxis);
        var histogramAxis = await page.Locator("[data-testid=chart-sifid] text.tick[text-anchor=end]").AllTextContentsAsync();
        Assert.Equal(["0", "1"], histogramAxis);

        // 5 images: the axis ends at its last tick, 6, drawn at the top of the plot (the y axis line's upper end), not above it.
        var five = new { jobId = "five", createdAt = created, finishedAt = (DateTimeOffset?)null, images = Enumerable.Range(0, 5).Select(i => new { name = $"i{i}", phase = "Training" }) };
        var top = await page.EvaluateAsync<double[]>(
            "json => { const div = document.getElementById('plots'); window.SinGanSegCharts.render(div, JSON.parse(json), Date.now());"
            + " const svg = div.querySelector('[data-testid=chart-progress]'); const axis = [...svg.querySelectorAll('line')].find(l => l.getAttribute('x1') === l.getAttribute('x2'));"
            + " const labels = [...svg.querySelectorAll('text.tick[text-anchor=end]')];"
            + " return [Number(labels[labels.length - 1].textContent), Number(labels[labels.length - 1].getAttribute('y')) - 4, Math.min(Number(axis.getAttribute('y1')), Number(axis.getAttribute('y2')))]; }",
            System.Text.Json.JsonSerializer.Serialize(five, System.Text.Json.JsonSerializerOptions.Web));
        Assert.Equal(6, top[0]);
        Assert.Equal(top[2], top[1], 3);
        // No image done yet: no ETA line, and no legend entry for one.
        Assert.Equal(["images done"], await page.Locator("[data-testid=chart-progress] text.legend").AllTextContentsAsync());

        // A status without its creation time: the plots are still drawn (6d76a04's tick loop never ended on it).
        var undated = new { jobId = "undated", images = new[] { new { name = "a", phase = "Done" } } };
        await page.EvaluateAsync("json => window.SinGanSegCharts.render(document.getElementById('plots'), JSON.parse(json), Date.now())",
            System.Text.Json.JsonSerializer.Serialize(undated, System.Text.Json.JsonSerializerOptions.Web));
        Assert.Equal(1, await page.Locator("#plots [data-testid=chart-progress]").CountAsync());
    }

    /// <summary>The job page's gate counts (app.js's gateText over a status's gates) with redraws, and when they cannot be attributed.</summary>
    [Fact]
    public async Task The_gate_counts_name_the_gate_that_asked_for_each_redraw()
    {
        var page = await fixture.NewPage();
        await page.GotoAsync("/");
        var attributed = await page.EvaluateAsync<string[]>("() => gateText({ checked: 20, regenerated: 5, dropped: 1, flagged: { copyCheck: 1, quality: 0 }, regeneratedBy: { quality: 4, copyCheck: 1 }, redrawsAttributed: true }, false)");
        Assert.Equal(["20 checked · 5 regenerated · 1 dropped", "copyCheck: 1 flagged, 1 regenerated; quality: 0 flagged, 4 regenerated"], attributed);
        var unattributed = await page.EvaluateAsync<string[]>("() => gateText({ checked: 20, regenerated: 5, dropped: 1, flagged: { copyCheck: 1, quality: 0 }, regeneratedBy: { quality: 3 }, redrawsAttributed: false }, false)");
        Assert.Equal(["20 checked · 5 regenerated · 1 dropped", "copyCheck: 1 flagged; quality: 0 flagged"], unattributed);
        Assert.Equal(["–", "nothing checked yet"], await page.EvaluateAsync<string[]>("() => gateText(undefined, false)"));
        Assert.Equal(["–", "no samples checked"], await page.EvaluateAsync<string[]>("() => gateText({ checked: 0 }, true)"));
    }
}
