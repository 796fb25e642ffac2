using TorchSharp;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Execution;

/// <summary>Turns a device name from configuration ("cpu", "cuda", "cuda:1", "cuda:all", "auto") into torch devices, with a clear error.</summary>
public static class DeviceSelector
{
    /// <summary>"cuda:all" is every GPU the process sees (a pod given several); anything else is one device.</summary>
    public static IReadOnlyList<Device> ParseAll(string? name)
    {
        if (name?.Trim().ToLowerInvariant() != "cuda:all") return [Parse(name)];
        Native.TorchRuntime.EnsureLoaded();
        if (!cuda.is_available())
            throw new ArgumentException($"device '{name}' requested but no CUDA device is available; use --device cpu, or a GPU build (-p:TorchBackend=cuda) on a machine with a GPU");
        return [.. Enumerable.Range(0, cuda.device_count()).Select(i => new Device(DeviceType.CUDA, i))];
    }

    public static Device Parse(string? name)
    {
        var value = string.IsNullOrWhiteSpace(name) ? "auto" : name.Trim().ToLowerInvariant();
        Native.TorchRuntime.EnsureLoaded();
        if (value == "auto") return cuda.is_available() ? CUDA : CPU;
        if (value == "cpu") return CPU;
        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"device '{name}' requested but no CUDA device is available; use --device cpu, or a GPU build (-p:TorchBackend=cuda) on a machine with a GPU");
            if (value == "cuda") return CUDA;
            if (!int.TryParse(value.AsSpan(5), out var index) || index < 0 || index >= cuda.device_count())
                throw new ArgumentException($"device '{name}': index must be between 0 and {cuda.device_count() - 1}");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"unknown device '{name}': use cpu, cuda, cuda:N, cuda:all or auto");
    }
}
