namespace SinGanSeg.Silo.Security;

/// <summary>The "Uploads" configuration section: how much one multipart upload may carry.</summary>
public sealed record UploadLimits
{
    /// <summary>One image or mask; a Kvasir-SEG frame is well under 1 MB.</summary>
    public long MaxFileBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>The whole request, all files together.</summary>
    public long MaxRequestBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Images and masks together.</summary>
    public int MaxFiles { get; init; } = 5000;

    /// <summary>The "options" JSON field.</summary>
    public int MaxOptionsBytes { get; init; } = 1024 * 1024;

    public UploadLimits Validated()
    {
        if (MaxFileBytes < 1 || MaxRequestBytes < 1 || MaxFiles < 1 || MaxOptionsBytes < 1)
            throw new ArgumentException("Uploads:MaxFileBytes, MaxRequestBytes, MaxFiles and MaxOptionsBytes must be positive");
        return this;
    }
}
