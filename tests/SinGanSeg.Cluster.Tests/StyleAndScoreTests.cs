using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using SinGanSeg.Abstractions;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Grains.Hosting;
using SinGanSeg.Grains.Images;
using SinGanSeg.Grains.Storage;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Tests;

public class StyleAndScoreTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task A_job_restyles_and_scores_its_samples_and_reports_sifid_before_and_after()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "style", "cpu");
        var pairs = TestCluster.Pairs(2, skip: 10);
        var spec = TestCluster.Job("styled", pairs, iterations: 2, samples: 3) with { Style = new StyleOptions("1:1000", "resnet18", 6) };
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
        await job.Submit(spec);
        var phases = new HashSet<ImagePhase>();
        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(4), s => phases.UnionWith(s.Images.Select(i => i.Phase)));

        Assert.Equal(JobPhase.Completed, final.Phase);
        Assert.Equal("SIFID-ResNet18-stem", final.SifidMetric);
        Assert.All(final.Images, i =>
        {
            Assert.Equal(3, i.Styled);
            Assert.True(i.Sifid > 0 && i.SifidStyled > 0, $"{i.Name}: {i.Sifid} → {i.SifidStyled}");
        });
        Assert.Equal(final.Images.Average(i => i.Sifid!.Value), final.MeanSifid!.Value, 9);
        Assert.Contains(ImagePhase.Styling, phases);

        var container = new BlobContainerClient(azurite.ConnectionString, ContainerOf(cluster));
        var manifest = (await container.GetBlobClient($"jobs/{spec.JobId}/manifest.jsonl").DownloadContentAsync()).Value.Content.ToString();
        var lines = manifest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(6, lines.Count);
        foreach (var line in lines)
        {
            var raw = line.GetProperty("image").GetString()!;
            var styled = line.GetProperty("styledImage").GetString()!;
            Assert.Equal(raw[..^4] + "_styled.png", styled);
            Assert.True(line.GetProperty("sifid").GetDouble() > 0);
            Assert.True(line.GetProperty("sifidStyled").GetDouble() > 0);
            var rawBytes = (await container.GetBlobClient($"jobs/{spec.JobId}/{raw}").DownloadContentAsync()).Value.Content.ToArray();
            var styledBytes = (await container.GetBlobClient($"jobs/{spec.JobId}/{styled}").DownloadContentAsync()).Value.Content.ToArray();
            Assert.NotEqual(rawBytes, styledBytes);
        }
        // Finished batches leave no optimiser state behind.
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"jobs/{spec.JobId}/style-state/", CancellationToken.None)) Assert.Fail($"left over: {blob.Name}");
    }

    [Fact]
    public async Task A_style_network_without_weights_fails_its_images_once_with_the_fix()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "styleweights", "cpu");
        var spec = TestCluster.Job("vgg", TestCluster.Pairs(1, skip: 12), iterations: 1, samples: 1) with { Style = new StyleOptions("1:1", "vgg16", 2) };
        var job = cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId);
        await job.Submit(spec);
        var final = await TestCluster.WaitForEnd(job, TimeSpan.FromMinutes(3));
        var image = Assert.Single(final.Images);
        Assert.Equal(ImagePhase.Failed, image.Phase);
        Assert.Equal(1, image.Attempts);
        Assert.Contains("vgg16", image.Error);
        Assert.Contains("Weights", image.Error);
    }

    [Fact]
    public async Task Bad_style_options_are_refused_at_submission()
    {
        await using var cluster = await TestCluster.StartAsync(azurite, "styleinvalid", "cpu");
        var pairs = TestCluster.Pairs(1);
        foreach (var (style, message) in new[] { (new StyleOptions("1-1000"), "1:1 or 1:1000"), (new StyleOptions(Network: "alexnet"), "unknown"), (new StyleOptions(Steps: 0), "style steps") })
        {
            var spec = TestCluster.Job("bad-style-" + message.Length, pairs) with { Style = style };
            var e = await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IJobCoordinatorGrain>(spec.JobId).Submit(spec));
            Assert.Contains(message, e.Message);
        }
    }

    [Fact]
    public async Task Style_transfer_interrupted_mid_batch_resumes_from_its_uploaded_state_and_ends_where_an_uninterrupted_run_does()
    {
        var store = new BlobArtifactStore(azurite.ConnectionString, "styleresume" + Guid.NewGuid().ToString("N")[..8]);
        var options = new SinGanSegOptions { StyleBatchSize = 2 };
        var dir = TestData.NewTempDir("style-resume");
        var ids = TestCluster.Pairs(3, skip: 20);
        var real = TestData.PolypImage(ids[0]);
        var samples = ids.Select(id => (Name: id + "_s", Path: Small(id, dir))).ToList();
        var style = new StyleOptions("1:1000", "resnet18", 40);

        var log = new ListLogger();
        // Uninterrupted reference run.
        var reference = Run("reference", new CancellationTokenSource(), null, out _);

        // Interrupted once the first batch's checkpoint (every 40/2 = 20 steps) is uploaded.
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Run("resumed", cts, b => { if (b.Styled == 0 && b.Iteration >= 25) cts.Cancel(); }, out _));
        Assert.True(await store.ExistsAsync(ModelKeys.StyleState("resumed", "img", 0)), "the first batch's state was not uploaded");
        var resumed = Run("resumed", new CancellationTokenSource(), null, out var firstStep);
        Assert.Equal(21, firstStep);
        Assert.Contains(log.Lines, l => l.Contains("resuming from its checkpoint"));
        Assert.False(await store.ExistsAsync(ModelKeys.StyleState("resumed", "img", 0)));

        foreach (var s in samples)
        {
            var a = ImagePairLoader.Default.LoadRgb(reference[s.Name]).Rgb;
            var b = ImagePairLoader.Default.LoadRgb(resumed[s.Name]).Rgb;
            Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) <= 1, $"{s.Name} differs from the uninterrupted run");
        }

        IReadOnlyDictionary<string, string> Run(string jobId, CancellationTokenSource cancel, Action<ImageProgress>? onUpdate, out int first)
        {
            var box = new ProgressBox(new ImageProgress("img", ImagePhase.Generating));
            var observed = -1;
            box.Changed += p =>
            {
                if (observed < 0 && p.Phase == ImagePhase.Styling && p.Iteration > 0) observed = p.Iteration;
                onUpdate?.Invoke(p);
            };
            var work = new ImageWork(jobId, new ImageInput("img", "", ""),
                new JobSpec(jobId, [], new TrainingOptions("tiny"), samples.Count, 1, Style: style).Settings, 1);
            try
            {
                return new StyleStage(store, options, CPU, log).Run(work, style, real, samples, Path.Combine(dir, jobId), box, cancel.Token);
            }
            finally
            {
                first = observed;
            }
        }
    }

    private static string Small(string id, string dir)
    {
        using var scope = NewDisposeScope();
        var full = ImagePairLoader.Default.LoadRgb(TestData.PolypImage(id));
        var t = nn.functional.interpolate(full.ToTensor01(CPU), [40, 48], mode: InterpolationMode.Bilinear, antialias: true);
        var small = RgbImage.FromTensor01(id, t);
        var path = Path.Combine(dir, id + ".png");
        SampleImageWriter.WriteRgb(path, small.Height, small.Width, small.Rgb);
        return path;
    }

    private static string ContainerOf(Orleans.TestingHost.InProcessTestCluster cluster) =>
        ((SinGanSegOptions)cluster.Silos[0].ServiceProvider.GetService(typeof(SinGanSegOptions))!).BlobContainer;

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }
}
