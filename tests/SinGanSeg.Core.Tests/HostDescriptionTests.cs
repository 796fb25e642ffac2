using SinGanSeg.Core.Execution;

namespace SinGanSeg.Core.Tests;

public class HostDescriptionTests
{
    private const string Epyc = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model		: 17
        model name	: AMD EPYC
        flags		: fpu sse2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16

        processor	: 1
        model name	: something else
        """;

    private const string Broadwell = """
        processor	: 0
        cpu family	: 6
        model		: 79
        model name	: Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz
        flags		: fpu sse2 avx fma avx2
        """;

    [Fact]
    public void Names_the_first_processor_its_numbers_and_the_widest_instruction_set_libtorch_can_use()
    {
        Assert.Equal("AMD EPYC (family 25, model 17), 2 logical cores, AVX-512", HostDescription.Describe(Epyc, 2, null));
        Assert.Equal("Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz (family 6, model 79), 4 logical cores, AVX2", HostDescription.Describe(Broadwell, 4, null));
        Assert.Equal("unknown CPU, 8 logical cores, unknown vector ISA", HostDescription.Describe(null, 8, null));
    }

    [Fact]
    public void ATEN_CPU_CAPABILITY_lowers_it_and_says_so()
    {
        Assert.Equal("AMD EPYC (family 25, model 17), 2 logical cores, AVX2 (ATEN_CPU_CAPABILITY)", HostDescription.Describe(Epyc, 2, "avx2"));
        Assert.Equal("AMD EPYC (family 25, model 17), 2 logical cores, no AVX2 (ATEN_CPU_CAPABILITY)", HostDescription.Describe(Epyc, 2, "default"));
        Assert.Equal("Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz (family 6, model 79), 4 logical cores, AVX2", HostDescription.Describe(Broadwell, 4, "avx512"));
    }

    [Fact]
    public void Describes_this_machine()
    {
        Assert.Contains($", {Environment.ProcessorCount} logical cores, ", HostDescription.Current);
        if (OperatingSystem.IsLinux()) Assert.DoesNotContain("unknown", HostDescription.Current);
    }
}
