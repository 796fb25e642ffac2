using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace SinGanSeg.Core.Tests;

/// <summary>OIDC bearer tokens end to end, sign-in attempt limits, forwarded headers and request-wide upload limits.</summary>
public class IngressSecurityTests(IngressSiloProcess silo) : IClassFixture<IngressSiloProcess>
{
    private HttpClient Client(string? key = null)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = silo.Api };
        if (key is not null) http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    private static HttpRequestMessage WithBearer(HttpMethod method, string path, string token) =>
        new(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    /// <summary>Each test signs in from its own (forwarded) address, so their attempts count separately.</summary>
    private static HttpRequestMessage Login(string apiKey, string clientAddress, string? proto = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = apiKey, ["returnUrl"] = "/orleans/" }),
            Headers = { { "X-Forwarded-For", clientAddress } },
        };
        if (proto is not null) request.Headers.Add("X-Forwarded-Proto", proto);
        return request;
    }

    private static string AuthCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("singanseg.auth=", StringComparison.Ordinal));

    [Fact]
    public async Task Bearer_tokens_from_the_issuer_are_accepted_and_wrong_ones_refused()
    {
        using var http = Client();
        var valid = silo.Issuer.Token(IngressSiloProcess.Audience);
        var ok = await http.SendAsync(WithBearer(HttpMethod.Get, "/api/jobs", valid));
        Assert.True(ok.StatusCode == HttpStatusCode.OK, $"{ok.StatusCode}: {await ok.Content.ReadAsStringAsync()}\n{silo.Log}");

        using var otherKey = RSA.Create(2048);
        foreach (var (why, token) in new[]
                 {
                     ("wrong audience", silo.Issuer.Token("someone-else")),
                     ("expired", silo.Issuer.Token(IngressSiloProcess.Audience, expires: DateTimeOffset.UtcNow.AddHours(-1))),
                     ("signed by another key", silo.Issuer.Token(IngressSiloProcess.Audience, signWith: otherKey)),
                     ("wrong issuer", silo.Issuer.Token(IngressSiloProcess.Audience, issuer: "http://127.0.0.1:1")),
                     ("not a token", "not.a.token"),
                 })
        {
            var refused = await http.SendAsync(WithBearer(HttpMethod.Get, "/api/jobs", token));
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("the bearer token is not valid", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        // A bearer token is sent on purpose, not by a browser on a hostile page's behalf: no CSRF header needed.
        var cancel = await http.SendAsync(WithBearer(HttpMethod.Post, "/api/jobs/no-such-job/cancel", valid));
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        // The API key works alongside.
        using var keyed = Client(IngressSiloProcess.Key);
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync("/api/jobs")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_attempts_are_limited_per_client_address()
    {
        const string guesser = "203.0.113.7";
        using var http = Client();
        for (var i = 0; i < IngressSiloProcess.LoginAttemptsPerMinute; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Login("wrong-key-0123456789abcdef", guesser))).StatusCode);

        var limited = await http.SendAsync(Login("wrong-key-0123456789abcdef", guesser));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 and <= 60 }, limited.Headers.RetryAfter?.ToString());
        Assert.Equal("text/html", limited.Content.Headers.ContentType?.MediaType);
        var page = await limited.Content.ReadAsStringAsync();
        Assert.Contains("Too many sign-in attempts", page);
        Assert.Contains("name=\"apiKey\"", page);
        // Not even the right key gets through from there until the minute is over, so guessing learns nothing.
        var rightKey = await http.SendAsync(Login(IngressSiloProcess.Key, guesser));
        Assert.Equal(HttpStatusCode.TooManyRequests, rightKey.StatusCode);
        Assert.False(rightKey.Headers.Contains("Set-Cookie"));

        // Another address signs in, and API calls are not limited.
        Assert.Equal(HttpStatusCode.Redirect, (await http.SendAsync(Login(IngressSiloProcess.Key, "203.0.113.8"))).StatusCode);
        using var keyed = Client(IngressSiloProcess.Key);
        keyed.DefaultRequestHeaders.Add("X-Forwarded-For", guesser);
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync("/api/jobs")).StatusCode);
    }

    [Fact]
    public async Task The_sign_in_cookie_is_secure_when_the_ingress_forwards_https()
    {
        using var http = Client();
        var overHttps = await http.SendAsync(Login(IngressSiloProcess.Key, "198.51.100.1", proto: "https"));
        Assert.Equal(HttpStatusCode.Redirect, overHttps.StatusCode);
        var cookie = AuthCookie(overHttps);
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        var overHttp = await http.SendAsync(Login(IngressSiloProcess.Key, "198.51.100.2"));
        Assert.Equal(HttpStatusCode.Redirect, overHttp.StatusCode);
        Assert.DoesNotContain("; secure", AuthCookie(overHttp), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Too_many_files_are_refused_and_no_job_is_created()
    {
        const string jobId = "too-many-files";
        using var http = Client(IngressSiloProcess.Key);
        var response = await http.PostAsync($"/api/jobs/{jobId}/upload", SecurityTests.Upload(SecurityTests.Pair("cju2zdvjn9h7r08553cp4eed5"), SecurityTests.Pair("cju8bff9nrfi10850fmfzbf8v")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains($"more than {IngressSiloProcess.MaxFiles} files", detail);
        Assert.Contains("Uploads:MaxFiles", detail);
        await AssertNoJob(http, jobId);
    }

    [Fact]
    public async Task Requests_over_the_size_limit_are_refused_and_no_job_is_created()
    {
        const string jobId = "too-many-bytes";
        using var http = Client(IngressSiloProcess.Key);
        // Each well under Uploads:MaxFileBytes, together over Uploads:MaxRequestBytes.
        var images = new[] { "cjyzl833ndne80838pzuq6ila", "ck2bxqz3evvg20794iiyv5v2m", "cjyzjzssvd8pq0838f4nolj5l" };
        var response = await http.PostAsync($"/api/jobs/{jobId}/upload", SecurityTests.Upload([.. images.Select(SecurityTests.Pair)]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains($"the limit is {IngressSiloProcess.MaxRequestBytes} bytes", detail);
        Assert.Contains("Uploads:MaxRequestBytes", detail);
        await AssertNoJob(http, jobId);
    }

    private async Task AssertNoJob(HttpClient http, string jobId)
    {
        Assert.False(Directory.Exists(Path.Combine(silo.StateDirectory, "artifacts", "jobs", jobId)));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/jobs/{jobId}")).StatusCode);
    }
}
