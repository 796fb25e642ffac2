using static TorchSharp.torch;

namespace SinGanSeg.Core.Execution;

/// <summary>
/// libtorch's one process-wide generator, and the lock every draw from it holds. Module
/// constructors draw their default initial weights from it (SinGAN's generators and critics draw
/// them before <c>WeightInit</c> replaces them from the training's own generator; the feature and
/// style networks before their weights are loaded). Seeded constructions (<see cref="Seeded"/>: the
/// evaluators' models, the mask agreement segmenter) depend on nothing else drawing between the
/// seed and their last draw, and on a silo they run beside SinGAN trainings on other threads; so
/// each site that builds modules goes through here. Everything else draws from generators of its
/// own (SeededRandomSource, the segmentation trainer's).
/// </summary>
public static class GlobalRandom
{
    private static readonly Lock Gate = new();

    /// <summary>Builds modules whose construction draws from the process-wide generator, without interleaving with a seeded construction.</summary>
    public static T Draw<T>(Func<T> create)
    {
        lock (Gate) return create();
    }

    /// <summary>Seeds the process-wide generator and builds under the same lock, so the result depends only on the seed.</summary>
    public static T Seeded<T>(long seed, Func<T> create)
    {
        lock (Gate)
        {
            manual_seed(seed);
            return create();
        }
    }
}
