namespace SinGanSeg.Grains.Jobs;

/// <summary>A deletion that cannot happen now: the job or its evaluation still runs and the caller did not ask to cancel.</summary>
[GenerateSerializer]
public sealed class JobDeletionException(string message) : Exception(message);
