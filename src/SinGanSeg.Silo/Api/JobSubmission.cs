using SinGanSeg.Abstractions;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// POST /api/jobs body. The dataset is either server-side folders (paired by file name) or an
/// explicit list; paths must be readable by every silo (a shared volume, or the embedded host's disk).
/// </summary>
public sealed record JobSubmission
{
    public required string JobId { get; init; }
    public string? ImagesDir { get; init; }
    public string? MasksDir { get; init; }
    public IReadOnlyList<JobSubmissionImage>? Images { get; init; }
    public string Preset { get; init; } = "paper";
    public int? MaxSize { get; init; }
    public int? MinSize { get; init; }
    public int? Iterations { get; init; }
    public string? GeneratorUpdate { get; init; }
    public int SamplesPerImage { get; init; } = 10;
    public long Seed { get; init; } = 1;
    public int GenStartScale { get; init; }
    public int MaxAttempts { get; init; } = 3;
    public bool AllowEmptyMasks { get; init; }

    /// <summary>Style transfer after generation: e.g. { "ratio": "1:1000", "network": "resnet18", "steps": 1000 }; absent = none.</summary>
    public StyleOptions? Style { get; init; }

    /// <summary>SIFID of every sample (and restyled sample) against its real image.</summary>
    public bool Score { get; init; } = true;

    /// <summary>
    /// Real-vs-synthetic evaluation once the dataset is written, e.g. { "folds": 3, "epochs": 50,
    /// "imageSize": 128, "models": ["unetpp", "unet"] } (models: UNet++ with an ImageNet encoder,
    /// the default, and/or a plain U-Net from scratch; "steps": gradient steps per run); absent = none.
    /// </summary>
    public EvaluationSettings? Evaluate { get; init; }

    /// <summary>Copy-detection policy: report (default), drop or regenerate; absent = the site's default (Helm gates.copyCheck).</summary>
    public string? CopyCheck { get; init; }

    /// <summary>Threshold on the copy score (0…1); absent = the site's or the calibrated default.</summary>
    public double? CopyThreshold { get; init; }

    /// <summary>Quality policy: report (default), drop or regenerate.</summary>
    public string? Quality { get; init; }

    /// <summary>Threshold on the quality score (0…1).</summary>
    public double? QualityThreshold { get; init; }

    /// <summary>New seeds tried per flagged sample under regenerate (default 3).</summary>
    public int? GateTries { get; init; }
}

public sealed record JobSubmissionImage(string Name, string Image, string Mask);
