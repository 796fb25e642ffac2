using SinGanSeg.Grains.Jobs;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// An uploaded file's name becomes a storage key, so it must be a plain name: anything that could
/// reach another folder ("../x.png", "a/b.png", "..\x.png", "/etc/x.png", "C:x.png") or hide
/// behind control characters is refused rather than silently cut down to its last segment.
/// </summary>
public static class UploadNames
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <summary>The image name (no extension) and the stored file name (lower-case extension).</summary>
    public static (string Name, string FileName) Check(string? original)
    {
        var shown = JobValidation.Printable(original ?? "");
        if (string.IsNullOrEmpty(original)) throw new ArgumentException("an uploaded file has no file name");
        if (original.Any(char.IsControl)) throw new ArgumentException($"'{shown}': file names must not contain control characters");
        if (original.Contains('/') || original.Contains('\\') || Path.IsPathRooted(original))
            throw new ArgumentException($"'{shown}': file names must be plain names, without folders or '..'");
        var extension = Path.GetExtension(original).ToLowerInvariant();
        if (!Extensions.Contains(extension)) throw new ArgumentException($"'{shown}': only PNG and JPEG files (.png, .jpg, .jpeg) are accepted");
        var name = Path.GetFileNameWithoutExtension(original);
        if (!JobValidation.IsSafeName(name))
            throw new ArgumentException($"'{shown}': file names must be letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'");
        return (name, name + extension);
    }
}
