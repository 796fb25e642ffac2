using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Silo.Security;

/// <summary>
/// ASP.NET Data Protection keys (they sign the dashboard's sign-in cookie) kept in the cluster's
/// artifact store, so every API replica accepts a cookie another issued and a restarted pod does
/// not sign everyone out. The keys sit unencrypted next to the data they guard access to; the
/// storage account's own access control protects both.
/// </summary>
public sealed class ArtifactKeyRepository(IArtifactStore store) : IXmlRepository
{
    private const string Prefix = "system/data-protection/";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var elements = new List<XElement>();
        foreach (var key in store.ListAllAsync(Prefix).GetAwaiter().GetResult())
        {
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
        store.PutAsync($"{Prefix}{(name.Length > 0 ? name : Guid.NewGuid().ToString("N"))}.xml", buffer).GetAwaiter().GetResult();
    }
}

public static class DataProtectionSetup
{
    public static IServiceCollection AddSinGanSegDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("singanseg");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new ArtifactKeyRepository(sp.GetRequiredService<IArtifactStore>())));
        return services;
    }
}
