using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>A silo host that requires an API key, with a small per-file upload limit, on its default (loopback) address.</summary>
public sealed class AuthSiloProcess : SiloProcess
{
    public const string Key = "test-key-0123456789abcdef";
    public const string OtherKey = "second-key-0123456789abcdef";

    protected override IEnumerable<string> ExtraArgs => [$"--Auth:ApiKeys={OtherKey}, {Key}", "--Uploads:MaxFileBytes=200000"];

    protected override bool UseDefaultAddress => true;
}

/// <summary>Authentication on the API and both dashboards, upload checks that lose nothing, the loopback default and the cluster-mode refusal.</summary>
public class SecurityTests(AuthSiloProcess silo) : IClassFixture<AuthSiloProcess>
{
    /// <summary>Over the fixture's 200000-byte limit.</summary>
    private const string LargeImage = "cjyzl833ndne80838pzuq6ila";

    /// <summary>The two smallest pairs, for quick training.</summary>
    private static readonly string[] SmallImages = ["cju2zdvjn9h7r08553cp4eed5", "cju8bff9nrfi10850fmfzbf8v"];

    /// <summary>The options field names the job again, as the CLI sends it; the path's id is the one that counts.</summary>
    private static readonly string Options = JsonSerializer.Serialize(new { jobId = "from-path", preset = "tiny", iterations = 2, samplesPerImage = 1 });

    private HttpClient Client(string? key = AuthSiloProcess.Key, CookieContainer? cookies = null)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = cookies is not null })
        {
            BaseAddress = silo.Api,
        };
        if (key is not null) http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    private string JobDirectory(string jobId) => Path.Combine(silo.StateDirectory, "artifacts", "jobs", jobId);

    [Fact]
    public async Task Unauthenticated_requests_are_rejected_and_keys_accepted()
    {
        using var anonymous = Client(key: null);
        foreach (var (method, path) in new[]
                 {
                     ("GET", "/api/jobs"), ("POST", "/api/jobs"), ("GET", "/api/jobs/some-job"), ("POST", "/api/jobs/some-job/cancel"),
                     ("GET", "/api/jobs/some-job/dataset"), ("GET", "/api/evaluations/x"), ("POST", "/api/jobs/some-job/upload"),
                 })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST") request.Content = JsonContent.Create(new { jobId = "some-job" });
            var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("X-Api-Key", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        foreach (var page in new[] { "/", "/jobs/some-job", "/orleans", "/orleans/", "/no-such-page" })
        {
            var response = await anonymous.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{page}: {response.StatusCode}");
            Assert.Equal("/login", response.Headers.Location!.AbsolutePath);
            Assert.Contains("returnUrl=" + Uri.EscapeDataString(page), response.Headers.Location.Query);
        }
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        var login = await anonymous.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("name=\"apiKey\"", await login.Content.ReadAsStringAsync());

        using var wrong = Client(key: "wrong-key-0123456789abcdef");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/jobs")).StatusCode);
        // A wrong key is an answer to act on, not a reason to show a login page.
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/orleans/")).StatusCode);
        using var wrongScheme = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Authorization = new AuthenticationHeaderValue("ApiKey", "wrong-key-0123456789abcdef") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrongScheme)).StatusCode);
        // No OIDC authority is configured here, so a bearer token is no credential at all.
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", AuthSiloProcess.Key) } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(bearer)).StatusCode);

        using var keyed = Client();
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await keyed.GetAsync("/api/jobs/some-job")).StatusCode);
        using var second = Client(AuthSiloProcess.OtherKey);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/jobs")).StatusCode);
        using var authorization = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Authorization = new AuthenticationHeaderValue("ApiKey", AuthSiloProcess.Key) } };
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(authorization)).StatusCode);
        var dashboard = await keyed.GetAsync("/orleans/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Browsers_sign_in_for_a_cookie_and_need_the_csrf_header_to_change_anything()
    {
        var cookies = new CookieContainer();
        using var browser = Client(key: null, cookies);
        var refused = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = "wrong-key-0123456789abcdef", ["returnUrl"] = "/orleans/" }));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Empty(cookies.GetCookies(silo.Api));

        var offsite = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = AuthSiloProcess.Key, ["returnUrl"] = "//evil.example/" }));
        Assert.Equal(HttpStatusCode.Redirect, offsite.StatusCode);
        Assert.Equal("/", offsite.Headers.Location!.OriginalString);
        var setCookie = offsite.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("singanseg.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);

        var login = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = AuthSiloProcess.Key, ["returnUrl"] = "/orleans/" }));
        Assert.Equal("/orleans/", login.Headers.Location!.OriginalString);
        var dashboard = await browser.GetAsync("/orleans/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/jobs")).StatusCode);

        var forged = await browser.PostAsync("/api/jobs/some-job/cancel", null);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("X-Requested-With: singanseg", (await forged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        using var fromPage = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/some-job/cancel") { Headers = { { "X-Requested-With", "singanseg" } } };
        Assert.Equal(HttpStatusCode.NotFound, (await browser.SendAsync(fromPage)).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/jobs")).StatusCode);
    }

    [Fact]
    public async Task Forwarded_headers_are_ignored_unless_trusted()
    {
        using var browser = Client(key: null);
        using var login = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = AuthSiloProcess.Key }),
            Headers = { { "X-Forwarded-Proto", "https" } },
        };
        var response = await browser.SendAsync(login);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("singanseg.auth=", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("../evil.jpg")]
    [InlineData("..\\evil.jpg")]
    [InlineData("sub/evil.jpg")]
    [InlineData("/etc/evil.jpg")]
    [InlineData("C:\\evil.jpg")]
    [InlineData("evil\u0001.jpg")]
    [InlineData(".evil.jpg")]
    public async Task Traversal_names_are_rejected_and_nothing_is_written(string fileName)
    {
        var jobId = "traversal-" + Guid.NewGuid().ToString("N")[..8];
        using var http = Client();
        var response = await http.PostAsync($"/api/jobs/{jobId}/upload", RawMultipart(
            ("images", fileName, File.ReadAllBytes(TestData.PolypImage(SmallImages[0]))),
            ("masks", SmallImages[0] + ".jpg", File.ReadAllBytes(TestData.PolypMask(SmallImages[0])))));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("evil", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.False(Directory.Exists(JobDirectory(jobId)));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/jobs/{jobId}")).StatusCode);
        Assert.Empty(Directory.GetFiles(silo.StateDirectory, "*evil*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Non_images_are_rejected_by_content_not_name()
    {
        using var http = Client();
        var fake = await http.PostAsync("/api/jobs/fake-png/upload", Upload(("images", "fake.png", Encoding.UTF8.GetBytes("#!/bin/sh\necho not an image\n"))));
        Assert.Equal(HttpStatusCode.BadRequest, fake.StatusCode);
        Assert.Contains("'fake.png': not a PNG or JPEG", (await fake.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var gif = await http.PostAsync("/api/jobs/fake-png/upload", Upload(("images", "x.gif", "GIF89a"u8.ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, gif.StatusCode);
        Assert.False(Directory.Exists(JobDirectory("fake-png")));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/jobs/fake-png")).StatusCode);
    }

    [Fact]
    public async Task Oversize_uploads_are_rejected_and_nothing_of_the_job_is_lost()
    {
        const string jobId = "limits";
        using var http = Client();
        var oversize = await http.PostAsync($"/api/jobs/{jobId}/upload", Upload(Pair(SmallImages[0]), Pair(LargeImage)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversize.StatusCode);
        var detail = (await oversize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains(LargeImage + ".jpg", detail);
        Assert.Contains("200000", detail);
        Assert.False(Directory.Exists(JobDirectory(jobId)));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/jobs/{jobId}")).StatusCode);

        // The same job id then takes a good upload, and the job finishes with every image.
        var accepted = await http.PostAsync($"/api/jobs/{jobId}/upload", Upload(Pair(SmallImages[0]), Pair(SmallImages[1])));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync() + silo.Log);
        var done = await WaitForEnd(http, jobId);
        Assert.Equal("Completed", done.GetProperty("phase").GetString());
        Assert.Equal(2, done.GetProperty("done").GetInt32());
        var inputs = Directory.GetFiles(Path.Combine(JobDirectory(jobId), "inputs"), "*", SearchOption.AllDirectories);
        Assert.Equal(4, inputs.Length);
        var stored = inputs.ToDictionary(f => f, f => (File.GetLastWriteTimeUtc(f), File.ReadAllBytes(f)));

        // Rejected uploads to the existing job change neither its inputs nor its state.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await http.PostAsync($"/api/jobs/{jobId}/upload", Upload(Pair(SmallImages[0]), Pair(LargeImage)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"/api/jobs/{jobId}/upload", RawMultipart(("images", "../" + SmallImages[0] + ".jpg", new byte[] { 0xFF, 0xD8, 0xFF, 0 })))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"/api/jobs/{jobId}/upload", Upload(("images", SmallImages[0] + ".jpg", "not a jpeg"u8.ToArray())))).StatusCode);
        Assert.Equal(inputs.Order(), Directory.GetFiles(Path.Combine(JobDirectory(jobId), "inputs"), "*", SearchOption.AllDirectories).Order());
        Assert.All(stored, s =>
        {
            Assert.Equal(s.Value.Item1, File.GetLastWriteTimeUtc(s.Key));
            Assert.Equal(s.Value.Item2, File.ReadAllBytes(s.Key));
        });
        var after = await (await http.GetAsync($"/api/jobs/{jobId}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(done.ToString(), after.ToString());

        var manifest = await http.GetAsync($"/api/jobs/{jobId}/manifest");
        Assert.Equal(2, (await manifest.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Cli_needs_the_api_key()
    {
        var (code, _, stderr) = CliProcess.Run("jobs", "--api", silo.Api.AbsoluteUri);
        Assert.Equal(2, code);
        Assert.Contains("the API needs an API key: pass --api-key or set SINGANSEG_API_KEY", stderr);

        var dir = TestData.NewTempDir("cli-key");
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        File.Copy(TestData.PolypImage(SmallImages[1]), Path.Combine(dir, "images", SmallImages[1] + ".jpg"));
        File.Copy(TestData.PolypMask(SmallImages[1]), Path.Combine(dir, "masks", SmallImages[1] + ".jpg"));
        string[] submit = ["submit", "--api", silo.Api.AbsoluteUri, "--job-id", "cli-keyed", "--images", Path.Combine(dir, "images"), "--masks", Path.Combine(dir, "masks"), "--upload", "--preset", "tiny", "--iters", "2", "--samples-per-image", "1"];
        (code, _, stderr) = CliProcess.Run(submit);
        Assert.Equal(2, code);
        Assert.Contains("pass --api-key or set SINGANSEG_API_KEY", stderr);
        (code, var stdout, stderr) = CliProcess.Run([.. submit, "--api-key", AuthSiloProcess.Key]);
        Assert.True(code == 0, stderr + silo.Log);
        Assert.Contains("job cli-keyed", stdout);
        (code, _, stderr) = CliProcess.Run("watch", "--api", silo.Api.AbsoluteUri, "--job-id", "cli-keyed", "--api-key", AuthSiloProcess.Key);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task The_embedded_default_listens_on_loopback_only()
    {
        Assert.Contains($"Now listening on: http://127.0.0.1:{silo.Api.Port}", silo.Log);
        var others = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .ToList();
        foreach (var address in others)
        {
            using var tcp = new TcpClient();
            await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(address, silo.Api.Port));
        }
    }

    [Theory]
    [InlineData("Azure", "Auth__ApiKeys")]
    [InlineData("Azure", "at least 16 characters", "--Auth:ApiKeys=short")]
    [InlineData("Azure", "always requires authentication", "--Auth:Required=false")]
    [InlineData("Embedded", "Auth__ApiKeys", "--Auth:Required=true")]
    [InlineData("Postgres", "cluster mode (SinGanSeg:Storage=Postgres) requires authentication", "--SinGanSeg:Postgres:ConnectionString=Host=127.0.0.1;Port=1", "--SinGanSeg:ArtifactDirectory=/tmp/singanseg-refused")]
    [InlineData("Azure", "without Auth__Oidc__Audience", "--Auth:Oidc:Authority=https://login.example.org/tenant")]
    public async Task Refuses_to_start_without_authentication_where_it_is_required(string storage, string message, params string[] extra)
    {
        var state = TestData.NewTempDir("refusing-silo");
        var start = SiloProcess.StartInfo([
            "--urls", $"http://127.0.0.1:{SiloProcess.FreePort()}",
            $"--Silo:SiloPort={SiloProcess.FreePort()}", $"--Silo:GatewayPort={SiloProcess.FreePort()}",
            $"--SinGanSeg:Storage={storage}", "--SinGanSeg:AzureConnectionString=UseDevelopmentStorage=true",
            $"--SinGanSeg:StateDirectory={state}", "--SinGanSeg:Device=cpu", .. extra,
        ]);
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
            Assert.Fail("the silo started without authentication");
        }
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(message, await output + await error);
    }

    internal static (string Field, string Name, byte[] Content) Pair(string id) => ("images", id + ".jpg", File.ReadAllBytes(TestData.PolypImage(id)));

    /// <summary>An upload as the CLI sends it: each image with its mask, and the options.</summary>
    internal static MultipartFormDataContent Upload(params (string Field, string Name, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(Options), "options" } };
        foreach (var (field, name, content) in files)
        {
            form.Add(new ByteArrayContent(content), field, name);
            var id = Path.GetFileNameWithoutExtension(name);
            if (field == "images" && File.Exists(TestData.PolypMask(id))) form.Add(new ByteArrayContent(File.ReadAllBytes(TestData.PolypMask(id))), "masks", name);
        }
        return form;
    }

    /// <summary>Written by hand, so the file names arrive byte for byte as given (HttpClient would quote or encode them).</summary>
    private static ByteArrayContent RawMultipart(params (string Field, string Name, byte[] Content)[] files)
    {
        const string boundary = "----singanseg-test-boundary";
        using var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
        Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n{Options}\r\n");
        foreach (var (field, name, content) in files)
        {
            Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n");
            body.Write(content);
            Write("\r\n");
        }
        Write($"--{boundary}--\r\n");
        var result = new ByteArrayContent(body.ToArray());
        result.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return result;
    }

    private static async Task<JsonElement> WaitForEnd(HttpClient http, string jobId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var status = await (await http.GetAsync($"/api/jobs/{jobId}")).Content.ReadFromJsonAsync<JsonElement>();
            if (status.GetProperty("phase").GetString() is "Completed" or "CompletedWithErrors" or "Cancelled") return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId} did not finish: {status}");
            await Task.Delay(500);
        }
    }
}
