using System.Collections.Frozen;
using System.Security.Cryptography;

namespace SinGanSeg.Silo.Dashboard;

/// <summary>
/// The page's files, embedded in the assembly so a build, a publish and a container image all
/// carry them without a static-files step. Served with an ETag so browsers revalidate cheaply.
/// </summary>
public static class DashboardAssets
{
    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);

    private static readonly FrozenDictionary<string, Asset> Files = Load();

    public static IResult Serve(HttpContext http, string file)
    {
        if (!Files.TryGetValue(file, out var asset)) return Results.NotFound();
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        const string prefix = "dashboard/";
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var file = name[prefix.Length..];
            files[file] = new Asset(bytes, ContentType(file), $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
