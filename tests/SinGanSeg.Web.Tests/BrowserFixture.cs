using Microsoft.Playwright;
using SinGanSeg.Core.Tests;

namespace SinGanSeg.Web.Tests;

/// <summary>
/// A real silo host in its embedded default plus headless Debian Chromium driven by Playwright
/// (its driver ships in the NuGet package; the browser is the system one, as no download is possible).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public SiloProcess Silo { get; } = new();
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots land here (SINGANSEG_ARTIFACTS, or TestResults/screenshots in this project); kept after the run.</summary>
    public static string Screenshots { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("SINGANSEG_ARTIFACTS") is { Length: > 0 } dir
            ? Path.Combine(dir, "screenshots")
            : Path.Combine(TestData.RepoRoot, "tests", "SinGanSeg.Web.Tests", "TestResults", "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium and chromium-driver (eng/test.sh does: apt-get install -y chromium chromium-driver)");
        await Silo.InitializeAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    public async Task<IPage> NewPage()
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = Silo.Api.AbsoluteUri, ViewportSize = new() { Width = 1360, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        return page;
    }

    public static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        await Silo.DisposeAsync();
    }
}
