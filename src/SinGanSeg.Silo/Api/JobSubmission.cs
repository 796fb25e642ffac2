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

    /// <summary>
    /// The gates by name (docs/PRIVACY.md), e.g. { "copyCheck": { "policy": "drop", "threshold": 0.9 },
    /// "quality": { "policy": "regenerate" }, "maskAgreement": { "policy": "report" } }: policy report
    /// (the default; maskAgreement's default is off, it costs a segmenter training per job), drop,
    /// regenerate or off (not run); threshold on the gate's score (0…1). Absent fields = the site's
    /// defaults (Helm gates.NAME), then the gate's own. An unknown name is refused with the list of gates. Wins over the fields below.
    /// </summary>
    public Dictionary<string, GateChoice>? Gates { get; init; }

    /// <summary>Copy-detection policy, as gates.copyCheck.policy (kept from before gates).</summary>
    public string? CopyCheck { get; init; }

    /// <summary>Threshold on the copy score (0…1), as gates.copyCheck.threshold.</summary>
    public double? CopyThreshold { get; init; }

    /// <summary>Quality policy, as gates.quality.policy.</summary>
    public string? Quality { get; init; }

    /// <summary>Threshold on the quality score (0…1), as gates.quality.threshold.</summary>
    public double? QualityThreshold { get; init; }

    /// <summary>New seeds tried per flagged sample under regenerate (default 3).</summary>
    public int? GateTries { get; init; }
}

public sealed record JobSubmissionImage(string Name, string Image, string Mask);
