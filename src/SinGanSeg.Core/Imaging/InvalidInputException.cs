namespace SinGanSeg.Core.Imaging;

/// <summary>
/// Bad user input, reported with the offending item and what to do about it, so one bad image
/// can be failed with a readable reason while the rest of a job carries on.
/// </summary>
public sealed class InvalidInputException(string item, string problem, string fix, Exception? inner = null)
    : Exception($"{item}: {problem}. {fix}", inner)
{
    public string Item { get; } = item;
    public string Problem { get; } = problem;
    public string Fix { get; } = fix;
}
