using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// The "Limits" configuration section: how much work one request may ask for. An authenticated
/// client is still not trusted to size the cluster's work; past a limit the API answers 400 naming it.
/// </summary>
public sealed record JobLimits
{
    /// <summary>Iterations per scale (the paper trains 2000).</summary>
    public int MaxIterations { get; init; } = 10_000;

    /// <summary>Finest scale's long side in pixels (the paper's is 250; memory grows with its square).</summary>
    public int MaxSize { get; init; } = 1024;

    public int MaxImagesPerJob { get; init; } = 5000;

    public int MaxSamplesPerImage { get; init; } = 1000;

    /// <summary>Open live-event streams (SSE) per client address; each one polls grains every second.</summary>
    public int MaxEventStreamsPerClient { get; init; } = 8;

    public JobLimits Validated()
    {
        if (MaxIterations < 1 || MaxSize < 1 || MaxImagesPerJob < 1 || MaxSamplesPerImage < 1 || MaxEventStreamsPerClient < 1)
            throw new ArgumentException("every Limits setting (MaxIterations, MaxSize, MaxImagesPerJob, MaxSamplesPerImage, MaxEventStreamsPerClient) must be at least 1");
        return this;
    }

    /// <summary>Refuses a job over any limit, naming it; the preset's own values count when the job does not override them.</summary>
    public JobSpec Check(JobSpec spec)
    {
        var config = TrainingOptionsMapper.ToConfig(spec.Training);
        Require(spec.Images.Count, MaxImagesPerJob, "images", nameof(MaxImagesPerJob));
        Require(config.Iterations, MaxIterations, "iterations", nameof(MaxIterations));
        Require(config.MaxSize, MaxSize, "max size", nameof(MaxSize));
        Require(spec.SamplesPerImage, MaxSamplesPerImage, "samples per image", nameof(MaxSamplesPerImage));
        return spec;
    }

    private static void Require(int value, int limit, string what, string setting)
    {
        if (value > limit) throw new ArgumentException($"{what} {value} is over this server's limit of {limit} (Limits:{setting})");
    }
}
