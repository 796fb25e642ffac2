using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// ASP.NET Data Protection keys in a store of their own (a blob container for clusters, a folder
/// otherwise), so every API replica accepts a cookie another issued and a restarted pod does not
/// sign everyone out. The store holds nothing else: see <see cref="KeyRingOptions"/>.
/// </summary>
public sealed class ArtifactKeyRepository(IArtifactStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var elements = new List<XElement>();
        foreach (var key in store.ListAllAsync("").GetAwaiter().GetResult())
        {
            if (!key.EndsWith(".xml", StringComparison.Ordinal)) continue;
            using var stream = store.OpenReadAsync(key).GetAwaiter().GetResult();
            if (stream is not null) elements.Add(XElement.Load(stream));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var buffer = new MemoryStream();
        element.Save(buffer);
        buffer.Position = 0;
        var name = string.Concat(friendlyName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        store.PutAsync($"{(name.Length > 0 ? name : Guid.NewGuid().ToString("N"))}.xml", buffer).GetAwaiter().GetResult();
    }
}
