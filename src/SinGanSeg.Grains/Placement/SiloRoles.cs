namespace SinGanSeg.Grains.Placement;

/// <summary>Silo metadata keys this system advertises (Orleans silo metadata) and reads for placement.</summary>
public static class SiloRoles
{
    public const string Accelerator = "singanseg.accelerator";
    public const string Slots = "singanseg.slots";
    public const string AcceptsImages = "singanseg.accepts-images";

    public const string Gpu = "gpu";
    public const string Cpu = "cpu";
}
