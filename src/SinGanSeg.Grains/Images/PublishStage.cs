using System.Diagnostics;
using SinGanSeg.Grains.Storage;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Images;

/// <summary>
/// Uploads the kept pairs (mask first: a pair counts as present only with its image) and the
/// dropped ones apart, and builds the image's outcome: a manifest record per sample with its
/// lineage, scores and gate verdicts.
/// </summary>
public sealed class PublishStage : IImageStage
{
    public const string SpanName = "image.publish";

    public string Span => SpanName;

    public void Run(StageContext c, Activity? span)
    {
        var manifest = c.Folder.ReadManifest();
        var configJson = ModelKeys.ConfigJson(c.Config);
        var imageSha = FileSha256(c.ImagePath);
        var maskSha = FileSha256(c.MaskPath);
        SampleRecord Record(SampleState s, (string Image, string Mask) keys)
        {
            var (imageKey, maskKey) = keys;
            var isStyled = c.Styled.ContainsKey(s.Name);
            var score = c.Scores.GetValueOrDefault(s.Name);
            return new SampleRecord(s.Name, imageKey, maskKey, c.Name, imageSha, c.ModelKey, manifest.Seed, s.Seed, s.Index,
                c.Work.GenStartScale, configJson, s.Foreground, maskSha,
                StyledName: isStyled ? s.Name + StyleStage.Suffix : null,
                StyledImageKey: isStyled ? ModelKeys.SampleImage(c.Work.JobId, s.Name + StyleStage.Suffix) : null,
                Sifid: score?.Raw, SifidStyled: score?.Styled, SifidMetric: score?.Metric,
                Verdicts: s.Verdicts, Tries: s.Tries, DroppedBy: s.DroppedBy);
        }
        var kept = new List<SampleRecord>();
        foreach (var s in c.Samples)
        {
            c.Cancellation.ThrowIfCancellationRequested();
            kept.Add(Record(s, Put(c, s.ImagePath, ModelKeys.SampleImage(c.Work.JobId, s.Name), s.MaskPath, ModelKeys.SampleMask(c.Work.JobId, s.Name))));
        }
        var dropped = new List<SampleRecord>();
        foreach (var s in c.Dropped)
        {
            c.Cancellation.ThrowIfCancellationRequested();
            dropped.Add(Record(s, Put(c, s.ImagePath, ModelKeys.DroppedImage(c.Work.JobId, s.Name), s.MaskPath, ModelKeys.DroppedMask(c.Work.JobId, s.Name))));
        }
        c.Outcome = new ImageOutcome(c.Name, true, kept, null, false, c.Work.Attempt, c.ModelKey, c.FromCache, Dropped: dropped, Gates: GateStage.Counts(c));
    }

    private static (string Image, string Mask) Put(StageContext c, string imagePath, string imageKey, string maskPath, string maskKey)
    {
        c.Store.PutFileAsync(maskKey, maskPath, c.Cancellation).GetAwaiter().GetResult();
        c.Store.PutFileAsync(imageKey, imagePath, c.Cancellation).GetAwaiter().GetResult();
        return (imageKey, maskKey);
    }

    private static string FileSha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
    }
}
