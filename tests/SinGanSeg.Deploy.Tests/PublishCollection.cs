namespace SinGanSeg.Deploy.Tests;

/// <summary>
/// The tests that run `dotnet publish` or `dotnet pack` of the silo's projects for linux-x64. They
/// write the same obj/ and bin/…/linux-x64/ files (the silo's deps.json among them), so they must
/// not overlap: xUnit runs test classes in parallel, but the classes of one collection one after
/// another. A fresh-clone CI run failed with GenerateDepsFile (MSB4018) when the tool pack and the
/// image publish ran at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PublishCollection
{
    public const string Name = "linux-x64 publishes";
}
