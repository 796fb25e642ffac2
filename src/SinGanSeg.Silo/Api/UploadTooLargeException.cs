namespace SinGanSeg.Silo.Api;

/// <summary>An upload over one of the Uploads limits; the API answers 413.</summary>
public sealed class UploadTooLargeException(string message) : Exception(message);
