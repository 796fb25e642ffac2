namespace SinGanSeg.Grains.Jobs;

/// <summary>A retry that cannot happen now: the job was cancelled, has nothing failed, or is writing its manifest.</summary>
[GenerateSerializer]
public sealed class JobRetryException(string message) : Exception(message);
