namespace SinGanSeg.Deploy.Tests;

/// <summary>Issue 12 in the chart: the silos' own doors closed by default.</summary>
public sealed class InnerDoorsChartTests
{
    [Fact]
    public void Finding1_GatewayOffInClusterMode()
    {
        var m = ChartRendering.Objects("default");
        var config = m.Config("singanseg-config");
        Assert.Equal("false", config["Silo__EnableGateway"]);
        // Mutual TLS from the secret's PEM files, mounted read-only on every silo.
        Assert.Equal("/etc/singanseg/silo-tls/tls.crt", config["Silo__Tls__CertificatePath"]);
        Assert.Equal("/etc/singanseg/silo-tls/tls.key", config["Silo__Tls__KeyPath"]);
        Assert.Equal("/etc/singanseg/silo-tls/ca.crt", config["Silo__Tls__CaPath"]);
        // The NetworkPolicy is on by default and opens no gateway port; neither do pods or Services.
        var policy = Assert.Single(m.OfKind("NetworkPolicy"));
        var ports = ((List<object?>)Manifests.At(policy, "spec.ingress")!).SelectMany(r => (List<object?>)Manifests.At(r, "ports")!).Select(p => Manifests.At(p, "port")).ToList();
        Assert.DoesNotContain(30000d, ports);
        foreach (var d in m.OfKind("Deployment"))
        {
            var c = Manifests.Container(d);
            Assert.DoesNotContain(((List<object?>)c["ports"]!).Select(p => Manifests.Str(p, "name")), n => n == "gateway");
            var mount = ((List<object?>)c["volumeMounts"]!).Single(v => Manifests.Str(v, "name") == "silo-tls");
            Assert.Equal(true, Manifests.At(mount, "readOnly"));
            var volumes = (List<object?>)Manifests.At(d, "spec.template.spec.volumes")!;
            Assert.Equal("singanseg-silo-tls", Manifests.Str(volumes.Single(v => Manifests.Str(v, "name") == "silo-tls"), "secret.secretName"));
            // /tmp has a size limit (finding 8: nothing unbounded is staged there).
            Assert.Equal("4Gi", Manifests.Str(volumes.Single(v => Manifests.Str(v, "name") == "tmp"), "emptyDir.sizeLimit"));
        }
        Assert.DoesNotContain(((List<object?>)Manifests.At(m.Get("Service", "singanseg-silo"), "spec.ports")!).Select(p => Manifests.Str(p, "name")), n => n == "gateway");

        // Enabled on purpose: the gateway port is back, still behind the policy's own-pods rule.
        var open = ChartRendering.Objects("default", "cluster:\n  enableGateway: true\n");
        Assert.Equal("true", open.Config("singanseg-config")["Silo__EnableGateway"]);
        Assert.Contains(30000d, ((List<object?>)Manifests.At(Assert.Single(open.OfKind("NetworkPolicy")), "spec.ingress.0.ports")!).Select(p => Manifests.At(p, "port")));
    }

    [Fact]
    public void Finding7_KeyRingEncryptedFromTheSecretAndOidcClaimRequired()
    {
        var m = ChartRendering.Objects("default");
        var config = m.Config("singanseg-config");
        Assert.Equal("/etc/singanseg/data-protection/tls.crt", config["DataProtection__CertificatePath"]);
        Assert.Equal("/etc/singanseg/data-protection/tls.key", config["DataProtection__KeyPath"]);
        Assert.Equal("12:00:00", config["Auth__SessionLifetime"]);
        // The app's default container (<blobContainer>-keys) unless one is named; no claim unless one is set.
        Assert.DoesNotContain(config.Keys, k => k.StartsWith("DataProtection__BlobContainer", StringComparison.Ordinal) || k.StartsWith("Auth__Oidc__RequiredClaim", StringComparison.Ordinal));
        foreach (var d in m.OfKind("Deployment"))
        {
            var mount = ((List<object?>)Manifests.Container(d)["volumeMounts"]!).Single(v => Manifests.Str(v, "name") == "data-protection");
            Assert.Equal(true, Manifests.At(mount, "readOnly"));
            var volumes = (List<object?>)Manifests.At(d, "spec.template.spec.volumes")!;
            Assert.Equal("singanseg-data-protection", Manifests.Str(volumes.Single(v => Manifests.Str(v, "name") == "data-protection"), "secret.secretName"));
        }

        var set = ChartRendering.Objects("oidc-ingress",
            "auth:\n  oidc:\n    requiredClaim:\n      type: roles\n      values: [singanseg-users, singanseg-admins]\n  dataProtection:\n    blobContainer: sgs-keyring\n");
        var c = set.Config("sgs-config");
        Assert.Equal("roles", c["Auth__Oidc__RequiredClaim__Type"]);
        Assert.Equal("singanseg-users", c["Auth__Oidc__RequiredClaim__Values__0"]);
        Assert.Equal("singanseg-admins", c["Auth__Oidc__RequiredClaim__Values__1"]);
        Assert.Equal("sgs-keyring", c["DataProtection__BlobContainer"]);

        // Without the secret: no certificate settings and no volume (the silos warn that the keys are unencrypted).
        var plain = ChartRendering.Objects("default", "auth:\n  dataProtection:\n    existingSecret: ''\n");
        Assert.DoesNotContain(plain.Config("singanseg-config").Keys, k => k.StartsWith("DataProtection__", StringComparison.Ordinal));
        Assert.DoesNotContain((List<object?>)Manifests.At(plain.Get("Deployment", "singanseg-cpu"), "spec.template.spec.volumes")!, v => Manifests.Str(v, "name") == "data-protection");
    }
}
