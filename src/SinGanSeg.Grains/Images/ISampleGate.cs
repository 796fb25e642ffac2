using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// A check every sample passes through (<see cref="GateStage"/>): it scores a sample, records its
/// verdict on it, and says whether it is flagged; the policy says what happens to flagged ones.
/// </summary>
public interface ISampleGate
{
    /// <summary>The gate's name in the manifest (droppedBy) and the card.</summary>
    string Name { get; }

    GatePolicy Policy { get; }

    /// <summary>New seeds tried under <see cref="GatePolicy.Regenerate"/> before a sample is dropped.</summary>
    int MaxTries { get; }

    /// <summary>Once per image, before any sample: load what every check needs.</summary>
    void Prepare(StageContext context);

    /// <summary>Scores the sample, stores the verdict on it, returns whether it is flagged.</summary>
    bool Check(StageContext context, SampleState sample);
}
