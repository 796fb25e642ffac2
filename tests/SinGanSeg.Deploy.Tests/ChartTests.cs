namespace SinGanSeg.Deploy.Tests;

/// <summary>What the chart must produce for the committed value sets (tests/SinGanSeg.Deploy.Tests/values/).</summary>
public sealed class ChartTests
{
    private static Dictionary<string, object?> Gpu(Manifests m, string name = "singanseg") => m.Get("Deployment", $"{name}-gpu");
    private static Dictionary<string, object?> Cpu(Manifests m, string name = "singanseg") => m.Get("Deployment", $"{name}-cpu");

    [Fact]
    public void GpuPoolGetsItsGpusSlotsAndNodes()
    {
        var m = ChartRendering.Objects("gpu-pool");
        var gpu = Gpu(m);
        var c = Manifests.Container(gpu);
        // Keys with dots (nvidia.com/gpu) are looked up in their map, not through a dotted path.
        Assert.Equal(2d, ((Dictionary<string, object?>)Manifests.At(c, "resources.limits")!)["nvidia.com/gpu"]);
        var env = Manifests.Env(c);
        Assert.Equal("3", env["SinGanSeg__Slots"]); // per GPU: cuda:all runs them on each of the pod's GPUs
        Assert.Equal("gpu", env["SinGanSeg__Accelerator"]);
        Assert.Equal("cuda:all", env["SinGanSeg__Device"]);
        Assert.Equal("true", env["SinGanSeg__AcceptImageGrains"]);
        Assert.Equal("gpu-a100", NodeSelector(gpu, "cloud.example.com/pool"));
        var tolerations = (List<object?>)Manifests.At(gpu, "spec.template.spec.tolerations")!;
        Assert.Contains(tolerations, t => Manifests.Str(t, "key") == "nvidia.com/gpu" && Manifests.Str(t, "effect") == "NoSchedule");
        Assert.Equal(2d, Manifests.At(gpu, "spec.replicas"));
        Assert.Equal("registry.example.com/singanseg/silo:1.2.3-cuda12.8", c["image"]);
        // With a GPU pool the CPU silos leave training to it.
        Assert.Equal("false", Manifests.Env(Manifests.Container(Cpu(m)))["SinGanSeg__AcceptImageGrains"]);
        Assert.NotNull(m.Find("PodDisruptionBudget", "singanseg-gpu"));
    }

    private static string? NodeSelector(Dictionary<string, object?> d, string key) =>
        (Manifests.At(d, "spec.template.spec.nodeSelector") as Dictionary<string, object?>)?.GetValueOrDefault(key) as string;

    [Fact]
    public void WithoutGpuPoolCpuSilosTrain()
    {
        var m = ChartRendering.Objects("cpu-only");
        Assert.Null(m.Find("Deployment", "singanseg-gpu"));
        Assert.Null(m.Find("PodDisruptionBudget", "singanseg-gpu"));
        var cpu = Cpu(m);
        var env = Manifests.Env(Manifests.Container(cpu));
        Assert.Equal("true", env["SinGanSeg__AcceptImageGrains"]);
        Assert.Equal("2", env["SinGanSeg__Slots"]);
        Assert.Equal(3d, Manifests.At(cpu, "spec.replicas"));
        Assert.Equal("singanseg/silo:1.2.3", Manifests.Container(cpu)["image"]);
    }

    [Theory]
    [MemberData(nameof(ChartRendering.ValueSets), MemberType = typeof(ChartRendering))]
    public void EverySiloPodIsSafeAndShutsDownGracefully(string valueSet)
    {
        var m = ChartRendering.Objects(valueSet);
        var name = valueSet == "oidc-ingress" ? "sgs" : "singanseg";
        var config = m.Config($"{name}-config");
        var grace = TimeSpan.Parse(config["SinGanSeg__ShutdownGrace"]!, System.Globalization.CultureInfo.InvariantCulture);
        // The host raises its own shutdown timeout to the grace + 30 s; no HostOptions key is needed (.NET does not bind one by that name).
        Assert.False(config.ContainsKey("HostOptions__ShutdownTimeout"));
        Assert.True(grace > TimeSpan.Zero);
        var postgres = valueSet == "postgres";
        Assert.Equal(postgres ? "Postgres" : "Azure", config["SinGanSeg__Storage"]);
        Assert.Equal("/scratch", config["SinGanSeg__ScratchDirectory"]);
        var deployments = m.OfKind("Deployment").ToList();
        Assert.NotEmpty(deployments);
        foreach (var d in deployments)
        {
            var pod = Manifests.At(d, "spec.template.spec")!;
            Assert.True((double)Manifests.At(pod, "terminationGracePeriodSeconds")! >= grace.TotalSeconds + 60);
            Assert.Equal(true, Manifests.At(pod, "securityContext.runAsNonRoot"));
            Assert.Equal("RuntimeDefault", Manifests.Str(pod, "securityContext.seccompProfile.type"));
            var c = Manifests.Container(d);
            Assert.Equal(true, Manifests.At(c, "securityContext.readOnlyRootFilesystem"));
            Assert.Equal(false, Manifests.At(c, "securityContext.allowPrivilegeEscalation"));
            Assert.Equal(new List<object?> { "ALL" }, Manifests.At(c, "securityContext.capabilities.drop"));
            Assert.Equal("/health/live", Manifests.Str(c, "livenessProbe.httpGet.path"));
            Assert.Equal("/health/ready", Manifests.Str(c, "readinessProbe.httpGet.path"));
            Assert.Equal("/health/live", Manifests.Str(c, "startupProbe.httpGet.path"));
            var env = Manifests.Env(c);
            if (postgres) Assert.Equal("secret:hospital-postgres/npgsql", env["SinGanSeg__Postgres__ConnectionString"]);
            else Assert.Equal("secret:singanseg-storage/connectionString", env["SinGanSeg__AzureConnectionString"]);
            Assert.Equal("field:status.podIP", env["POD_IP"]);
            Assert.Equal("field:metadata.name", env["POD_NAME"]);
            Assert.Equal("$(POD_IP)", env["Silo__AdvertisedAddress"]);
            Assert.Equal("$(POD_NAME)", env["Silo__SiloName"]);
            var mounts = ((List<object?>)c["volumeMounts"]!).Select(v => Manifests.Str(v, "mountPath")).ToList();
            Assert.Contains("/tmp", mounts);
            Assert.Contains("/scratch", mounts);
            Assert.Equal("true", Annotation(d, "prometheus.io/scrape"));
        }
        // The API Service reaches the CPU pool only.
        Assert.Equal("silo-cpu", Label(m.Get("Service", name), "app.kubernetes.io/component"));
    }

    private static string? Annotation(Dictionary<string, object?> d, string key) =>
        (Manifests.At(d, "spec.template.metadata.annotations") as Dictionary<string, object?>)?.GetValueOrDefault(key) as string;

    private static string? Label(Dictionary<string, object?> svc, string key) =>
        (Manifests.At(svc, "spec.selector") as Dictionary<string, object?>)?.GetValueOrDefault(key) as string;

    [Fact]
    public void IngressOnlyWhenEnabledAndAlwaysWithTls()
    {
        Assert.Empty(ChartRendering.Objects("default").OfKind("Ingress"));
        var m = ChartRendering.Objects("oidc-ingress");
        var ingress = m.Get("Ingress", "sgs");
        Assert.Equal("singanseg-example-tls", Manifests.Str(ingress, "spec.tls.0.secretName"));
        Assert.Equal("singanseg.example.org", Manifests.Str(ingress, "spec.tls.0.hosts.0"));
        Assert.Equal("http", Manifests.Str(ingress, "spec.rules.0.http.paths.0.backend.service.port.name"));
        var annotations = (Dictionary<string, object?>)Manifests.At(ingress, "metadata.annotations")!;
        Assert.Equal("524288000", annotations["nginx.ingress.kubernetes.io/proxy-body-size"]);
        Assert.Equal("letsencrypt", annotations["cert-manager.io/cluster-issuer"]);
        Assert.Equal("524288000", m.Config("sgs-config")["Uploads__MaxRequestBytes"]);
        // Behind the ingress the pods see its http; they trust what it forwards, and only then.
        Assert.Equal("true", m.Config("sgs-config")["Silo__TrustForwardedHeaders"]);
        Assert.False(ChartRendering.Objects("default").Config("singanseg-config").ContainsKey("Silo__TrustForwardedHeaders"));
    }

    [Fact]
    public void NetworkPolicyAdmitsSilosIngressAndScrapersOnly()
    {
        Assert.Empty(ChartRendering.Objects("default", "networkPolicy:\n  enabled: false\n").OfKind("NetworkPolicy"));
        var m = ChartRendering.Objects("oidc-ingress");
        var policy = m.Get("NetworkPolicy", "sgs");
        // It selects both pools: the Deployments' selectors without their component label.
        var pods = (Dictionary<string, object?>)Manifests.At(policy, "spec.podSelector.matchLabels")!;
        foreach (var deployment in m.OfKind("Deployment"))
        {
            var selector = new Dictionary<string, object?>((Dictionary<string, object?>)Manifests.At(deployment, "spec.selector.matchLabels")!);
            selector.Remove("app.kubernetes.io/component");
            Assert.Equal(selector.OrderBy(k => k.Key), pods.OrderBy(k => k.Key));
        }
        var rules = (List<object?>)Manifests.At(policy, "spec.ingress")!;
        Assert.Equal(3, rules.Count);
        // Silo to silo: the Orleans silo port (no gateway by default) between the chart's own pods only.
        Assert.Equal([11111d, 8080d], ((List<object?>)Manifests.At(rules[0], "ports")!).Select(p => Manifests.At(p, "port")));
        Assert.NotNull(Manifests.At(rules[0], "from.0.podSelector"));
        Assert.Equal("ingress-nginx", ((Dictionary<string, object?>)Manifests.At(rules[1], "from.0.namespaceSelector.matchLabels")!)["kubernetes.io/metadata.name"]);
        Assert.Equal(8080d, Manifests.At(rules[1], "ports.0.port"));
        Assert.Equal(9464d, Manifests.At(rules[2], "ports.0.port"));
    }

    [Fact]
    public void AuthIsWiredFromSecretOrOidc()
    {
        var keys = Manifests.Env(Manifests.Container(Cpu(ChartRendering.Objects("default"))));
        Assert.Equal("secret:singanseg-api-keys/apiKeys", keys["Auth__ApiKeys"]);

        var m = ChartRendering.Objects("oidc-ingress");
        Assert.False(Manifests.Env(Manifests.Container(Cpu(m, "sgs"))).ContainsKey("Auth__ApiKeys"));
        var config = m.Config("sgs-config");
        Assert.Equal("https://login.example.com/tenant/v2.0", config["Auth__Oidc__Authority"]);
        Assert.Equal("api://singanseg", config["Auth__Oidc__Audience"]);
        Assert.Equal("http://otel-collector.observability:4317", config["Telemetry__Otlp__Endpoint"]);
        Assert.Equal("Warning", config["Logging__LogLevel__Default"]);

        // The cluster refuses to start without either; the chart refuses to render.
        var e = Assert.Throws<Helm.TemplateException>(() => ChartRendering.Render("default", "auth:\n  apiKeys:\n    existingSecret: ''\n"));
        Assert.Contains("auth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresBackendUsesTheDatabaseAndOneSharedVolume()
    {
        var m = ChartRendering.Objects("postgres");
        var config = m.Config("singanseg-config");
        Assert.Equal("/artifacts", config["SinGanSeg__ArtifactDirectory"]);
        Assert.Equal("true", config["SinGanSeg__Postgres__ApplySchema"]);
        Assert.DoesNotContain(config.Keys, k => k is "SinGanSeg__BlobContainer" or "SinGanSeg__TablePrefix");
        var claim = m.Get("PersistentVolumeClaim", "singanseg-artifacts");
        Assert.Equal(new List<object?> { "ReadWriteMany" }, Manifests.At(claim, "spec.accessModes"));
        Assert.Equal("nfs-client", Manifests.Str(claim, "spec.storageClassName"));
        Assert.Equal("2Ti", Manifests.Str(claim, "spec.resources.requests.storage"));
        foreach (var d in m.OfKind("Deployment"))
        {
            var env = Manifests.Env(Manifests.Container(d));
            Assert.False(env.ContainsKey("SinGanSeg__AzureConnectionString"));
            var volumes = (List<object?>)Manifests.At(d, "spec.template.spec.volumes")!;
            Assert.Contains(volumes, v => Manifests.Str(v, "name") == "artifacts" && Manifests.Str(v, "persistentVolumeClaim.claimName") == "singanseg-artifacts");
            var mounts = (List<object?>)Manifests.At(Manifests.Container(d), "volumeMounts")!;
            Assert.Contains(mounts, v => Manifests.Str(v, "name") == "artifacts" && Manifests.Str(v, "mountPath") == "/artifacts" && Manifests.At(v, "readOnly") is null);
        }

        // A claim of one's own is used as is; the Azure default has neither claim nor volume.
        var own = ChartRendering.Objects("postgres", "storage:\n  shared:\n    existingClaim: hospital-nfs\n");
        Assert.Null(own.Find("PersistentVolumeClaim", "singanseg-artifacts"));
        Assert.Contains((List<object?>)Manifests.At(own.Get("Deployment", "singanseg-cpu"), "spec.template.spec.volumes")!,
            v => Manifests.Str(v, "persistentVolumeClaim.claimName") == "hospital-nfs");
        Assert.Empty(ChartRendering.Objects("default").OfKind("PersistentVolumeClaim"));

        var e = Assert.Throws<Helm.TemplateException>(() => ChartRendering.Render("default", "storage:\n  backend: mysql\n"));
        Assert.Contains("storage.backend must be azure or postgres", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WeightsComeFromTheClaimWhenSet()
    {
        Assert.DoesNotContain(ChartRendering.Objects("default").Config("singanseg-config").Keys, k => k.StartsWith("SinGanSeg__Weights", StringComparison.Ordinal));
        var m = ChartRendering.Objects("gpu-pool");
        var config = m.Config("singanseg-config");
        Assert.Equal("/weights/vgg16-397923af.pth", config["SinGanSeg__Weights__Vgg16"]);
        Assert.Equal("/weights/vgg19-dcbb9e9d.pth", config["SinGanSeg__Weights__Vgg19"]);
        Assert.Equal("/weights/inception_v3_google-0cc3c7bd.pth", config["SinGanSeg__Weights__InceptionV3"]);
        foreach (var d in m.OfKind("Deployment"))
        {
            var volumes = (List<object?>)Manifests.At(d, "spec.template.spec.volumes")!;
            Assert.Contains(volumes, v => Manifests.Str(v, "persistentVolumeClaim.claimName") == "imagenet-weights");
            var mounts = (List<object?>)Manifests.At(Manifests.Container(d), "volumeMounts")!;
            Assert.Contains(mounts, v => Manifests.Str(v, "mountPath") == "/weights" && Equals(Manifests.At(v, "readOnly"), true));
        }
        Assert.Equal("00:30:00", config["SinGanSeg__ShutdownGrace"]);
        Assert.Equal(1860d, Manifests.At(Gpu(m), "spec.template.spec.terminationGracePeriodSeconds"));
    }

    [Fact]
    public void GatesRenderByNameSoANewGateNeedsOnlyAValuesEntry()
    {
        var config = ChartRendering.Objects("default").Config("singanseg-config");
        Assert.Equal("report", config["Gates__copyCheck__Policy"]);
        Assert.Equal("report", config["Gates__quality__Policy"]);
        Assert.Equal("off", config["Gates__maskAgreement__Policy"]);   // it costs a segmenter training per job: on only when asked
        Assert.DoesNotContain(config.Keys, k => k.StartsWith("Gates__", StringComparison.Ordinal) && k.EndsWith("__Threshold", StringComparison.Ordinal));

        // Any gate name renders the same way, the template names none.
        var set = ChartRendering.Objects("default", "gates:\n  copyCheck:\n    policy: drop\n    threshold: 0.9\n  someNewGate:\n    policy: regenerate\n    threshold: 0.5\n")
            .Config("singanseg-config");
        Assert.Equal("drop", set["Gates__copyCheck__Policy"]);
        Assert.Equal("0.9", set["Gates__copyCheck__Threshold"]);
        Assert.Equal("regenerate", set["Gates__someNewGate__Policy"]);
        Assert.Equal("0.5", set["Gates__someNewGate__Threshold"]);
        Assert.Equal("report", set["Gates__quality__Policy"]);

        // The older flat values still render, as the keys the silo still reads.
        var flat = ChartRendering.Objects("default", "gates:\n  copyCheck: drop\n  copyThreshold: 0.9\n").Config("singanseg-config");
        Assert.Equal("drop", flat["Gates__copyCheck"]);
        Assert.Equal("0.9", flat["Gates__copyThreshold"]);
        Assert.Equal("report", flat["Gates__quality__Policy"]);
    }

    [Fact]
    public void NotesRender()
    {
        foreach (var set in ChartRendering.ValueSetNames())
            Assert.Contains("SinGanSeg", ChartRendering.Render(set)["templates/NOTES.txt"], StringComparison.Ordinal);
    }
}
