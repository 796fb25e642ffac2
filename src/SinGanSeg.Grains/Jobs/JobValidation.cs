using System.Text.RegularExpressions;
using SinGanSeg.Abstractions;

namespace SinGanSeg.Grains.Jobs;

/// <summary>Checks a submitted job, naming the first problem; the API turns the exception into a 400.</summary>
public static partial class JobValidation
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeName();

    public static bool IsSafeName(string name) => SafeName().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>A name that becomes part of a grain or storage key, as it came; refused naming the rule otherwise.</summary>
    public static string RequireSafeName(string name, string what) => IsSafeName(name)
        ? name
        : throw new ArgumentException($"{what} '{Printable(name)}' must be letters, digits, '.', '_' or '-', starting with a letter or digit");

    /// <summary>Control characters escaped, so an error message shows what arrived.</summary>
    public static string Printable(string name) =>
        string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    public static void Validate(JobSpec spec)
    {
        if (!IsSafeName(spec.JobId))
            throw new ArgumentException($"job id '{spec.JobId}' must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        if (spec.Images.Count == 0) throw new ArgumentException("the job has no images");
        var duplicates = spec.Images.GroupBy(i => i.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).Take(3).ToList();
        if (duplicates.Count > 0) throw new ArgumentException($"image names must be unique; repeated: {string.Join(", ", duplicates)}");
        var unsafeName = spec.Images.FirstOrDefault(i => !IsSafeName(i.Name));
        if (unsafeName is not null) throw new ArgumentException($"image name '{unsafeName.Name}' must be letters, digits, '.', '_' or '-' (no path separators)");
        if (spec.SamplesPerImage is < 1 or > 10_000) throw new ArgumentException($"samples per image {spec.SamplesPerImage} must be between 1 and 10000");
        if (spec.MaxAttempts is < 1 or > 10) throw new ArgumentException($"max attempts {spec.MaxAttempts} must be between 1 and 10");
        if (spec.GenStartScale < 0) throw new ArgumentException("gen start scale must be 0 or more");
        TrainingOptionsMapper.ToConfig(spec.Training);
        if (spec.Evaluate is { } evaluate)
        {
            Evaluation.EvaluationSettingsMapper.Training(evaluate).Validate();
            Evaluation.EvaluationSettingsMapper.Options(evaluate).Validate();
            if (spec.Images.Count < evaluate.Folds * 2)
                throw new ArgumentException($"evaluation with {evaluate.Folds} folds needs at least {evaluate.Folds * 2} images; the job has {spec.Images.Count}");
        }
        if (spec.Style is { } style)
        {
            SinGanSeg.Core.Style.StyleWeightRatio.Parse(style.Ratio);
            if (!SinGanSeg.Core.Style.StyleNetworks.Names.Contains(style.Network))
                throw new ArgumentException($"style network '{style.Network}' is unknown: use {string.Join(", ", SinGanSeg.Core.Style.StyleNetworks.Names)}");
            if (style.Steps is < 1 or > 100_000) throw new ArgumentException($"style steps {style.Steps} must be between 1 and 100000");
        }
    }
}
