namespace SinGanSeg.Grains.Jobs;

/// <summary>A job id already taken by a different job; resubmitting the same job is not a conflict.</summary>
[GenerateSerializer]
public sealed class JobConflictException(string message) : Exception(message);
