namespace SinGanSeg.Grains.Hosting;

public static class StorageNames
{
    /// <summary>The grain storage provider all grains of this system use.</summary>
    public const string Grains = "singanseg";
}
