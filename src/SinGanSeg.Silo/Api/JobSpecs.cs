using SinGanSeg.Abstractions;
using SinGanSeg.Core.Imaging;

namespace SinGanSeg.Silo.Api;

/// <summary>Turns API submissions into job specs.</summary>
public static class JobSpecs
{
    public static JobSpec FromSubmission(JobSubmission s)
    {
        IReadOnlyList<ImageInput> images;
        if (s.Images is { Count: > 0 })
        {
            images = [.. s.Images.Select(i => new ImageInput(i.Name, FileRef(i.Image), FileRef(i.Mask)))];
        }
        else if (s.ImagesDir is not null && s.MasksDir is not null)
        {
            var (pairs, _) = DatasetPairing.Pair(s.ImagesDir, s.MasksDir);
            images = [.. pairs.Select(p => new ImageInput(p.Name, FileRef(p.ImagePath), FileRef(p.MaskPath)))];
        }
        else
        {
            throw new ArgumentException("give either imagesDir and masksDir, or images (name, image, mask), or upload the files");
        }
        return WithOptions(s, images);
    }

    public static JobSpec WithOptions(JobSubmission s, IReadOnlyList<ImageInput> images) => new(
        s.JobId,
        images,
        new TrainingOptions(s.Preset, s.MaxSize, s.MinSize, s.Iterations, s.GeneratorUpdate),
        s.SamplesPerImage,
        s.Seed,
        s.GenStartScale,
        s.MaxAttempts,
        s.AllowEmptyMasks,
        s.Style,
        s.Score,
        s.Evaluate);

    private static string FileRef(string path)
    {
        if (!Path.IsPathFullyQualified(path)) throw new ArgumentException($"'{path}' must be an absolute server-side path");
        return new Uri(path).AbsoluteUri;
    }
}
