using SinGanSeg.Abstractions;
using SinGanSeg.Core.Training;

namespace SinGanSeg.Grains.Jobs;

public static class TrainingOptionsMapper
{
    /// <summary>The engine configuration a job's options describe (preset plus overrides), validated.</summary>
    public static SinGanConfig ToConfig(TrainingOptions options)
    {
        var config = Presets.Get(options.Preset);
        config = config with
        {
            MaxSize = options.MaxSize ?? config.MaxSize,
            MinSize = options.MinSize ?? config.MinSize,
            Iterations = options.Iterations ?? config.Iterations,
            GeneratorUpdate = options.GeneratorUpdate is null
                ? config.GeneratorUpdate
                : Enum.TryParse<GeneratorUpdateMode>(options.GeneratorUpdate, ignoreCase: true, out var mode)
                    ? mode
                    : throw new ArgumentException($"generator update '{options.GeneratorUpdate}' must be reference or paper"),
        };
        return config.Validated();
    }
}
