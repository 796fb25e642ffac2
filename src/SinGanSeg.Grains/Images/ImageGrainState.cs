using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Images;

/// <summary>What an image grain persists: its work, where it stands, and its outcome until the job has it.</summary>
[GenerateSerializer]
public sealed class ImageGrainState
{
    [Id(0)] public ImageWork? Work { get; set; }
    [Id(1)] public ImagePhase Phase { get; set; } = ImagePhase.Pending;
    [Id(2)] public int CompletedScales { get; set; }
    [Id(3)] public int ScaleCount { get; set; }
    [Id(4)] public string? ModelKey { get; set; }
    [Id(5)] public string? Error { get; set; }
    [Id(6)] public ImageOutcome? Outcome { get; set; }
    [Id(7)] public bool OutcomeDelivered { get; set; }
    [Id(8)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(9)] public int Samples { get; set; }

    /// <summary>
    /// The event log, replaced (never changed in place) on every entry so a write in flight
    /// serializes a stable list. An array, not an interface: the Azure and PostgreSQL grain
    /// storage (Newtonsoft with type names) stores the runtime type of an interface-typed value,
    /// and the type a collection expression makes for IReadOnlyList is compiler-generated and
    /// refused on reading, which made every image grain unreadable after its first event.
    /// </summary>
    [Id(10)] public ImageEvent[] Events { get; set; } = [];

    /// <summary>The job cancelled this image, possibly before any work arrived: a later Start is refused.</summary>
    [Id(11)] public bool Cancelled { get; set; }
}
