using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Tests;
using SinGanSeg.Silo;
using Xunit.Abstractions;

namespace SinGanSeg.Web.Tests;

/// <summary>
/// Issue 15 over HTTP: the silo host built in-process (the application `singanseg serve` runs, on
/// its embedded file storage) holds 600 jobs and 150 evaluations in pages of 100, listed through the
/// registries' grain interfaces as coordinators list themselves (finished phases, so nothing runs);
/// GET /api/jobs and /api/evaluations page through them newest first, each once, filtered or not,
/// and the last answer of every walk is the one with the oldest match (no empty trailing page).
/// </summary>
public sealed class ListingApiTests(ITestOutputHelper output)
{
    private const int Jobs = 600;
    private const int Evaluations = 150;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Cancelled is rare (4 jobs, on pages 1, 2, 4 and 5 of six).</summary>
    private static JobPhase PhaseOf(int i) => i % 150 == 149 ? JobPhase.Cancelled : i % 3 == 0 ? JobPhase.CompletedWithErrors : JobPhase.Completed;

    [Fact]
    public async Task Rest_lists_page_through_hundreds_of_jobs_and_evaluations_newest_first()
    {
        var state = TestData.NewTempDir("listing-api-state");
        await using var app = SiloApp.Build(InProcessSiloHost.Args(state), contentRoot: AppContext.BaseDirectory);
        await app.StartAsync();
        try
        {
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            var clock = Stopwatch.StartNew();
            var jobs = grains.GetGrain<IJobRegistryGrain>(0);
            for (var i = 0; i < Jobs; i++) await jobs.Register(new JobListing($"job-{i:D3}", T0.AddSeconds(i), PhaseOf(i), 4, 4, 0));
            var evaluations = grains.GetGrain<IEvaluationRegistryGrain>(0);
            for (var i = 0; i < Evaluations; i++)
                await evaluations.Register(new EvaluationListing($"eval-{i:D3}", T0.AddSeconds(i), $"job-{i % 50:D3}", EvaluationPhase.Completed));
            output.WriteLine($"registered {Jobs} jobs and {Evaluations} evaluations in {clock.Elapsed.TotalSeconds:F1} s");

            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            clock.Restart();
            var all = await Walk(http, "/api/jobs?limit=50", "jobs", "jobId");
            output.WriteLine($"paged through {Jobs} jobs in {all.Requests} requests in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(Enumerable.Range(0, Jobs).Reverse().Select(i => $"job-{i:D3}"), all.Ids);
            Assert.Equal(Jobs / 50, all.Requests);

            foreach (var (phase, limit) in new[] { (JobPhase.Cancelled, 3), (JobPhase.CompletedWithErrors, 40), (JobPhase.Completed, 70) })
            {
                var expected = Enumerable.Range(0, Jobs).Where(i => PhaseOf(i) == phase).Reverse().Select(i => $"job-{i:D3}").ToList();
                var listed = await Walk(http, $"/api/jobs?limit={limit}&phase={phase}", "jobs", "jobId");
                Assert.Equal(expected, listed.Ids);
                // Exactly as many answers as slices: the last full slice is not followed by an empty one.
                Assert.Equal((expected.Count + limit - 1) / limit, listed.Requests);
            }

            var allEvaluations = await Walk(http, "/api/evaluations?limit=40", "evaluations", "evaluationId");
            Assert.Equal(Enumerable.Range(0, Evaluations).Reverse().Select(i => $"eval-{i:D3}"), allEvaluations.Ids);
            Assert.Equal((Evaluations + 39) / 40, allEvaluations.Requests);
            var ofOneJob = await Walk(http, "/api/evaluations?limit=2&jobId=job-007", "evaluations", "evaluationId");
            Assert.Equal(["eval-107", "eval-057", "eval-007"], ofOneJob.Ids);
            Assert.Equal(2, ofOneJob.Requests);

            // A continuation this service did not give is refused.
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/jobs?limit=5&continuation=99.0")).StatusCode);
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Follows the continuations to the end; every answer but the last is full, none is empty.</summary>
    private static async Task<(List<string> Ids, int Requests)> Walk(HttpClient http, string first, string items, string id)
    {
        var ids = new List<string>();
        var limit = int.Parse(first.Split("limit=")[1].Split('&')[0], System.Globalization.CultureInfo.InvariantCulture);
        string? continuation = null;
        var requests = 0;
        do
        {
            var response = await http.GetAsync(continuation is null ? first : $"{first}&continuation={Uri.EscapeDataString(continuation)}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var slice = body.RootElement.GetProperty(items).EnumerateArray().Select(e => e.GetProperty(id).GetString()!).ToList();
            continuation = body.RootElement.GetProperty("continuation").GetString();
            Assert.InRange(slice.Count, continuation is null ? 1 : limit, limit);
            ids.AddRange(slice);
            Assert.True(++requests <= 100, "the continuation does not end");
        } while (continuation is not null);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        return (ids, requests);
    }
}
