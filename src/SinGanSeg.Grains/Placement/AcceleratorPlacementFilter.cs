using Orleans.Metadata;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace SinGanSeg.Grains.Placement;

/// <summary>
/// Puts a grain on accelerator silos: GPU silos when the cluster has any, otherwise the CPU silos
/// configured to take training work (the embedded default, CI). Unlike Orleans' built-in
/// required-match filter, this looks at the candidate silos' own metadata, not the caller's.
/// A cluster with neither leaves no candidate, and the activation fails until one joins.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AcceleratorPlacementFilterAttribute(int order = 0)
    : PlacementFilterAttribute(new AcceleratorPlacementFilterStrategy(order));

public sealed class AcceleratorPlacementFilterStrategy(int order) : PlacementFilterStrategy(order)
{
    public AcceleratorPlacementFilterStrategy() : this(0)
    {
    }
}

public sealed class AcceleratorPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var candidates = silos.Select(s => (Silo: s, Meta: metadata.GetSiloMetadata(s).Metadata)).ToList();
        var gpus = candidates.Where(c => c.Meta.GetValueOrDefault(SiloRoles.Accelerator) == SiloRoles.Gpu).Select(c => c.Silo).ToList();
        if (gpus.Count > 0) return gpus;
        return candidates.Where(c => c.Meta.GetValueOrDefault(SiloRoles.AcceptsImages) == "true").Select(c => c.Silo).ToList();
    }
}
