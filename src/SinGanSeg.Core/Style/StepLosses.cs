namespace SinGanSeg.Core.Style;

/// <summary>Per-sample losses measured at the start of a step (before the pixels move), as the reference logs them.</summary>
public sealed record StepLosses(int Step, IReadOnlyList<double> Content, IReadOnlyList<double> Style);
