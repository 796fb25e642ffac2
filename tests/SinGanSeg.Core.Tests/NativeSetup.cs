using System.Runtime.CompilerServices;

namespace SinGanSeg.Core.Tests;

internal static class NativeSetup
{
    // The hosts load libtorch through TorchRuntime, which also switches NNPACK off and keeps freed
    // memory in the process. Tests that build TorchSharp tensors directly would otherwise reach
    // libtorch first, as the hosts never do: with NNPACK still on, libtorch logs "Could not
    // initialize NNPACK!" on every small convolution on these CPUs (1000–4500 lines of CI log).
    [ModuleInitializer]
    internal static void LoadAsTheHostsDo() => Native.TorchRuntime.EnsureLoaded();
}
