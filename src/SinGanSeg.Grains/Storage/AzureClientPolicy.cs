using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace SinGanSeg.Grains.Storage;

/// <summary>
/// An Azure SDK pipeline policy added to every Azure Storage client a silo creates: grain state,
/// reminders, membership and artifact blobs. Register any number in the silo's services.
/// </summary>
/// <remarks>
/// Why: this is the one seam through which tests and the chaos harness inject storage faults the
/// way real ones arrive (as HTTP answers, timeouts and resets inside the SDK's own pipeline, with
/// its retries), instead of mocking the store. Production registers none.
/// </remarks>
public sealed record AzureClientPolicy(HttpPipelinePolicy Policy, HttpPipelinePosition Position = HttpPipelinePosition.PerRetry);

/// <summary>Creates the Azure Storage clients of a silo with its registered <see cref="AzureClientPolicy"/>s.</summary>
public static class AzureStorageClients
{
    public static TableServiceClient Tables(string connectionString, IEnumerable<AzureClientPolicy> policies)
    {
        var options = new TableClientOptions();
        foreach (var p in policies) options.AddPolicy(p.Policy, p.Position);
        return new TableServiceClient(connectionString, options);
    }

    public static BlobContainerClient Container(string connectionString, string containerName, IEnumerable<AzureClientPolicy> policies)
    {
        var options = new BlobClientOptions();
        foreach (var p in policies) options.AddPolicy(p.Policy, p.Position);
        return new BlobContainerClient(connectionString, containerName, options);
    }
}
