using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// A check every sample passes through (<see cref="GateStage"/>): it scores a sample. The stage
/// turns the scores into the gate's verdict (flagged = score at or above the job's threshold for
/// the gate) and applies the policy; the gate's name, default threshold and how it is made are its
/// entry in <see cref="GateRegistry"/>.
/// </summary>
public interface ISampleGate
{
    /// <summary>Once per image, before any sample: load what every check needs.</summary>
    void Prepare(StageContext context);

    /// <summary>Scores the sample: the combined score (0 good … 1 bad, unrounded) and the gate's own numbers.</summary>
    GateScores Score(StageContext context, SampleState sample);
}

/// <summary>
/// What a gate measured on a sample: the combined score the threshold judges (unrounded: the
/// verdict is taken on it, the manifest shows it rounded), its own scores by name (already
/// rounded as the manifest should show them), the reasons when the gate gives any (null: none
/// kept in the manifest), and an optional named text.
/// </summary>
public sealed record GateScores(double Score, GateScore[] Values, string[]? Reasons = null, GateNote? Detail = null);
