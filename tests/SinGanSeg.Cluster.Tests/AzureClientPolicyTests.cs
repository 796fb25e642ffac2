using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Core.Tests;

/// <summary>The fault-injection seam: a registered policy sees every kind of storage request a silo makes.</summary>
public class AzureClientPolicyTests(Azurite azurite) : IClassFixture<Azurite>
{
    /// <summary>Counts requests by the table or container they address (the first path segment).</summary>
    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        public ConcurrentDictionary<string, int> ByTarget { get; } = new();

        public override void OnSendingRequest(HttpMessage message)
        {
            var path = message.Request.Uri.Path.Trim('/').Split('/');
            // Azurite's path style: /<account>/<table or container>[...]
            var target = path.Length > 1 ? path[1].Split('(')[0] : "";
            ByTarget.AddOrUpdate(target, 1, (_, n) => n + 1);
        }
    }

    [Fact]
    public async Task A_registered_policy_sees_state_reminder_and_blob_requests_of_a_job()
    {
        var policy = new CountingPolicy();
        string prefix = "";
        await using var cluster = await TestCluster.StartAsync(azurite, "policy", o => { prefix = o.TablePrefix; return o; },
            (_, silo) => silo.Services.AddSingleton(new AzureClientPolicy(policy)), "cpu");
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>("policy");
        await job.Submit(TestCluster.Job("policy", TestCluster.Pairs(1), iterations: 2, samples: 1));
        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(3));
        Assert.Equal(JobPhase.Completed, final.Phase);

        Assert.True(policy.ByTarget.GetValueOrDefault($"{prefix}State") > 0, Seen());
        Assert.True(policy.ByTarget.GetValueOrDefault($"{prefix}Reminders") > 0, Seen());
        Assert.True(policy.ByTarget.GetValueOrDefault(prefix.ToLowerInvariant()) > 0, Seen());

        string Seen() => "requests seen: " + string.Join(", ", policy.ByTarget.Select(kv => $"{kv.Key}={kv.Value}"));
    }
}
