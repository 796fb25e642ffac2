namespace SinGanSeg.Silo.Api;

/// <summary>One uploaded image or mask, checked and held in a temporary file until the job is known to be valid.</summary>
public sealed record UploadedFile(string Field, string Name, string FileName, string TempPath, long Length);
