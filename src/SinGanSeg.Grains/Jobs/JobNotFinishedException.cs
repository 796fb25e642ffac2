namespace SinGanSeg.Grains.Jobs;

/// <summary>Asked for something a job (or image, or evaluation) has only once it has finished: its dataset, model, report, or an evaluation of it.</summary>
[GenerateSerializer]
public sealed class JobNotFinishedException(string message) : Exception(message);
