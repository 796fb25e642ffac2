namespace SinGanSeg.Core.Features;

/// <summary>Where a feature is taken from, shallowest first: the order is the order of computation.</summary>
public enum ResNetStage
{
    /// <summary>conv1 → bn1 → relu, 64 channels at 1/2 resolution, before the max pool.</summary>
    Stem,
    /// <summary>64 channels at 1/4 resolution.</summary>
    Layer1,
    /// <summary>128 channels at 1/8 resolution.</summary>
    Layer2,
    /// <summary>256 channels at 1/16 resolution.</summary>
    Layer3,
    /// <summary>512 channels at 1/32 resolution.</summary>
    Layer4,
    /// <summary>Global average of Layer4: N×512. (The ONNX graph's fixed 7×7 average pool is the same thing at 224×224.)</summary>
    Pool,
}
