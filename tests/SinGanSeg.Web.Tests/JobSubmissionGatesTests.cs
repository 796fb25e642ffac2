using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Images;
using SinGanSeg.Silo.Api;

namespace SinGanSeg.Web.Tests;

/// <summary>The API body's gates: the generic gates object by name, over the older per-gate fields, over the site's defaults.</summary>
public class JobSubmissionGatesTests
{
    [Fact]
    public void The_gates_object_sets_any_registered_gate_and_wins_over_the_older_fields()
    {
        foreach (var gate in GateRegistry.All)
        {
            var spec = JobSpecs.WithOptions(new JobSubmission { JobId = "j", Gates = new() { [gate.Name] = new GateChoice("drop", 0.3) } }, []);
            Assert.Equal(new GateOptions(GatePolicy.Drop, 0.3), spec.Gates!.For(gate.Name));
        }

        var mixed = JobSpecs.WithOptions(new JobSubmission
        {
            JobId = "j",
            CopyCheck = "regenerate",
            CopyThreshold = 0.8,
            QualityThreshold = 0.5,
            GateTries = 2,
            Gates = new() { ["copycheck"] = new GateChoice("drop") },
        }, [], new GateDefaults().With("quality", new GateChoice("drop", 0.9)));
        Assert.Equal(new GateOptions(GatePolicy.Drop, 0.8, 2), mixed.Gates!.For("copyCheck"));
        Assert.Equal(new GateOptions(GatePolicy.Drop, 0.5, 2), mixed.Gates.For("quality"));

        var e = Assert.Throws<ArgumentException>(() => JobSpecs.WithOptions(new JobSubmission { JobId = "j", Gates = new() { ["nosuchgate"] = new GateChoice("drop") } }, []));
        Assert.All(GateRegistry.All, g => Assert.Contains(g.Name, e.Message, StringComparison.Ordinal));
        Assert.Null(JobSpecs.WithOptions(new JobSubmission { JobId = "j" }, []).Gates);
    }
}
