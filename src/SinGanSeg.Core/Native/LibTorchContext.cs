using System.Runtime.InteropServices;

namespace SinGanSeg.Core.Native;

/// <summary>
/// Settings of libtorch's global context that TorchSharp does not expose. NNPACK is switched
/// off: on CPUs it does not support (the AMD EPYC machines here) libtorch retries its
/// initialisation on every small convolution and prints "Could not initialize NNPACK!" each
/// time, thousands of lines per training run, while the convolution falls back anyway.
/// </summary>
internal static class LibTorchContext
{
    public static void DisableNnpack()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            SetUserEnabledNnpack(GlobalContext(), false);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Another libtorch build without these symbols: the setting is cosmetic, carry on.
        }
    }

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}
