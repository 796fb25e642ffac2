namespace SinGanSeg.Core.Tests;

/// <summary>
/// Tests that collect and finalize in a tight loop (<see cref="GcPressure"/>). That pressure reaches
/// every thread of the process, so any test running beside them that still uses one of TorchSharp's
/// temporary Scalars (a reference Adam, say) could fail the way the CI flake did; a fresh-clone run
/// failed exactly so (UNet++'s training test, in TorchSharp's Adam). xUnit runs a collection with
/// parallelization disabled after the others, on its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GcPressureCollection
{
    public const string Name = "GC pressure";
}
