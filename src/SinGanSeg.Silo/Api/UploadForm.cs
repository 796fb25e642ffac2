using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Silo.Security;

namespace SinGanSeg.Silo.Api;

/// <summary>
/// Reads a multipart upload (images, masks, options) section by section, checking every name and
/// size, and every file's header with the engine's own loader (PNG/JPEG only, within the image
/// limits, not truncated), before anything reaches the artifact store: a rejected upload leaves no
/// trace, neither a new job nor a change to an existing one. The temporary copies go with Dispose.
/// </summary>
public sealed class UploadForm : IDisposable
{
    private readonly string _directory;

    private readonly ImagePairLoader _loader;

    private UploadForm(string directory, ImageLimits imageLimits) => (_directory, _loader) = (directory, new ImagePairLoader(imageLimits));

    public string? OptionsJson { get; private set; }
    public List<UploadedFile> Files { get; } = [];

    public IEnumerable<UploadedFile> Field(string field) => Files.Where(f => f.Field == field);

    public static async Task<UploadForm> ReadAsync(HttpRequest request, UploadLimits limits, ImageLimits imageLimits, string tempRoot, CancellationToken cancellation)
    {
        // The per-request limit replaces Kestrel's 30 MB default for this endpoint only; past it Kestrel stops reading with a 413.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limits.MaxRequestBytes;
        if (request.ContentLength > limits.MaxRequestBytes)
            throw new UploadTooLargeException($"the upload is {request.ContentLength} bytes; the limit is {limits.MaxRequestBytes} bytes per request (Uploads:MaxRequestBytes)");
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("the upload must be multipart/form-data with 'images', 'masks' and 'options' fields");
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw new ArgumentException("the multipart upload has no boundary");

        var form = new UploadForm(Path.Combine(tempRoot, "singanseg-uploads", Guid.NewGuid().ToString("N")), imageLimits);
        try
        {
            Directory.CreateDirectory(form._directory);
            // Lengths are counted here, per file, so the 413 can name the file; the reader's own limit would only say "exceeded".
            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
            while (await reader.ReadNextSectionAsync(cancellation) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException($"every part of the upload needs a form-data Content-Disposition; one has '{JobValidation.Printable(section.ContentDisposition ?? "")}'");
                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                    await form.AddFile(field, disposition, section.Body, limits, cancellation);
                else if (field == "options")
                    form.OptionsJson = await ReadText(section.Body, limits.MaxOptionsBytes, cancellation);
                else
                    throw new ArgumentException($"the upload has an unexpected field '{JobValidation.Printable(field)}'; use 'images', 'masks' and 'options'");
            }
            return form;
        }
        catch
        {
            form.Dispose();
            throw;
        }
    }

    private async Task AddFile(string field, ContentDispositionHeaderValue disposition, Stream body, UploadLimits limits, CancellationToken cancellation)
    {
        var original = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
        if (field is not ("images" or "masks"))
            throw new ArgumentException($"'{JobValidation.Printable(original ?? "")}' is in field '{JobValidation.Printable(field)}'; files go in 'images' or 'masks'");
        if (Files.Count >= limits.MaxFiles)
            throw new UploadTooLargeException($"the upload has more than {limits.MaxFiles} files (Uploads:MaxFiles)");
        var (name, fileName) = UploadNames.Check(original);
        if (Files.Any(f => f.Field == field && f.Name == name))
            throw new ArgumentException($"two uploaded {field} are named '{name}'");

        var path = Path.Combine(_directory, $"{Files.Count}{Path.GetExtension(fileName)}");
        long length = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
            {
                length += read;
                if (length > limits.MaxFileBytes)
                    throw new UploadTooLargeException($"'{fileName}' is larger than the limit of {limits.MaxFileBytes} bytes per file (Uploads:MaxFileBytes)");
                await file.WriteAsync(buffer.AsMemory(0, read), cancellation);
            }
        }
        try
        {
            _loader.Identify(path);
        }
        catch (InvalidInputException e)
        {
            // The loader names the temporary copy; the caller knows the file by its own name.
            throw new ArgumentException($"'{fileName}': {e.Problem}. {e.Fix}", e);
        }
        Files.Add(new UploadedFile(field, name, fileName, path, length));
    }

    private static async Task<string> ReadText(Stream body, int limit, CancellationToken cancellation)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
        {
            if (copy.Length + read > limit) throw new UploadTooLargeException($"the 'options' field is larger than {limit} bytes (Uploads:MaxOptionsBytes)");
            copy.Write(buffer, 0, read);
        }
        return Encoding.UTF8.GetString(copy.GetBuffer(), 0, (int)copy.Length);
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; failing the request over it is not.
        }
    }
}
