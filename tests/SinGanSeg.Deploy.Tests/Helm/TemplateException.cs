namespace SinGanSeg.Deploy.Tests.Helm;

/// <summary>A template that does not parse, uses something this renderer does not support, or fails while rendering.</summary>
public sealed class TemplateException(string message) : Exception(message);
