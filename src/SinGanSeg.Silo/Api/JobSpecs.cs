using SinGanSeg.Abstractions;
using SinGanSeg.Core.Imaging;
using SinGanSeg.Grains.Images;
using SinGanSeg.Silo.Security;

namespace SinGanSeg.Silo.Api;

/// <summary>Turns API submissions into job specs.</summary>
public static class JobSpecs
{
    /// <summary>Every server-side path is confined to the input roots and stored canonical, so what is read is what was checked.</summary>
    public static JobSpec FromSubmission(JobSubmission s, InputRoots roots, GateDefaults? site = null)
    {
        string FileRef(string path, string what) => new Uri(roots.Confine(path, what)).AbsoluteUri;
        IReadOnlyList<ImageInput> images;
        if (s.Images is { Count: > 0 })
        {
            images = [.. s.Images.Select(i => new ImageInput(i.Name, FileRef(i.Image, $"image of '{i.Name}'"), FileRef(i.Mask, $"mask of '{i.Name}'")))];
        }
        else if (s.ImagesDir is not null && s.MasksDir is not null)
        {
            var (pairs, _) = DatasetPairing.Pair(roots.Confine(s.ImagesDir, "imagesDir"), roots.Confine(s.MasksDir, "masksDir"));
            // A file inside the folder may itself be a link out of the roots.
            images = [.. pairs.Select(p => new ImageInput(p.Name, FileRef(p.ImagePath, "image"), FileRef(p.MaskPath, "mask")))];
        }
        else
        {
            throw new ArgumentException("give either imagesDir and masksDir, or images (name, image, mask), or upload the files");
        }
        return WithOptions(s, images, site);
    }

    public static JobSpec WithOptions(JobSubmission s, IReadOnlyList<ImageInput> images, GateDefaults? site = null) => new(
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
        s.Evaluate,
        GateRegistry.Settings(Gates(s), site));

    /// <summary>The submission's gate fields as text: the older per-gate fields, then the gates object over them.</summary>
    public static GateDefaults Gates(JobSubmission s) =>
        new GateDefaults { GateTries = s.GateTries }
            .With(GateDefaults.Aliases(s.CopyCheck, s.CopyThreshold, s.Quality, s.QualityThreshold))
            .With(s.Gates ?? new Dictionary<string, GateChoice>());
}
