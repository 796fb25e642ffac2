using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SinGanSeg.Core.Features.Onnx;

/// <summary>
/// Copies the weights of an ONNX ResNet (Conv + unfused BatchNormalization, residual Adds, as CNTK
/// exports it) into <see cref="ResNet18"/>. Parameters are found by the shape of the graph, never
/// by name: the stem is the convolution fed by the graph input; each Add is a residual block, whose
/// main path is Conv→BN→Relu→Conv→BN and whose other input is either the block input itself or
/// Conv→BN of it (the downsample). Blocks are taken in the graph's order of computation, and each
/// downsample starts the next layer, which gives the layout (blocks per layer).
/// </summary>
internal sealed class ResNet18OnnxImport
{
    private readonly OnnxGraphWalk walk;
    private readonly string source;
    private readonly OnnxNode stem;
    private readonly OnnxNode stemNorm;
    private readonly List<Block> blocks = [];

    private sealed record Block(OnnxNode Add, OnnxNode Conv1, OnnxNode Bn1, OnnxNode Conv2, OnnxNode Bn2, (OnnxNode Conv, OnnxNode Norm)? Downsample);

    public ResNet18OnnxImport(string path)
    {
        source = path;
        walk = new OnnxGraphWalk(OnnxModel.Load(path).Graph);

        stem = walk.Ordered.FirstOrDefault(n => n.OpType == "Conv") ?? throw Error("the graph has no convolution");
        if (!walk.Graph.Inputs.Contains(stem.Inputs[0]))
            throw Error($"the first convolution {stem} does not read the graph input");
        stemNorm = SingleConsumer(stem, "BatchNormalization");
        CheckMaxPool(stemNorm);

        foreach (var add in walk.Ordered.Where(n => n.OpType == "Add")) blocks.Add(ReadBlock(add));
        var layout = new List<int>();
        foreach (var block in blocks)
        {
            if (layout.Count == 0 || block.Downsample is not null) layout.Add(1);
            else layout[^1]++;
        }
        if (layout.Count != 4) throw Error($"expected four layers of residual blocks, found [{string.Join(",", layout)}]");
        BlocksPerLayer = layout;

        var convs = walk.Graph.Nodes.Count(n => n.OpType == "Conv");
        var reached = 1 + blocks.Sum(b => b.Downsample is null ? 2 : 3);
        if (reached != convs)
            throw Error($"{convs - reached} of its {convs} convolutions are not part of the residual structure");
    }

    /// <summary>Residual blocks in layer1..layer4, as found in the graph.</summary>
    public IReadOnlyList<int> BlocksPerLayer { get; }

    public void CopyInto(ResNet18 target)
    {
        if (!target.BlocksPerLayer.SequenceEqual(BlocksPerLayer))
            throw Error($"the graph has [{string.Join(",", BlocksPerLayer)}] blocks per layer, the target ResNet18 " +
                $"[{string.Join(",", target.BlocksPerLayer)}]; build it with blocksPerLayer: [{string.Join(",", BlocksPerLayer)}]");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        CopyConv(stem, target.Conv1, stride: 2, "conv1");
        CopyNorm(stemNorm, target.Bn1, "bn1");
        var names = BlocksPerLayer.SelectMany((n, layer) => Enumerable.Range(0, n).Select(i => $"layer{layer + 1}.{i}"));
        foreach (var ((block, name), into) in blocks.Zip(names).Zip(target.Blocks))
        {
            var stride = block.Downsample is null ? 1 : 2;
            CopyConv(block.Conv1, into.Conv1, stride, $"{name}.conv1");
            CopyNorm(block.Bn1, into.Bn1, $"{name}.bn1");
            CopyConv(block.Conv2, into.Conv2, 1, $"{name}.conv2");
            CopyNorm(block.Bn2, into.Bn2, $"{name}.bn2");
            if (block.Downsample is var (dsConv, dsNorm) && into.Downsample is var (conv, norm))
            {
                CopyConv(dsConv, conv, stride, $"{name}.downsample.0");
                CopyNorm(dsNorm, norm, $"{name}.downsample.1");
            }
            else if (block.Downsample is not null || into.Downsample is not null)
                throw Error($"{block.Add} ({name}): the graph and the model disagree on the downsample");
        }

        // The export ends at the pooled features; there is no classifier to import. Zeros rather
        // than the random init, so nobody mistakes fc for trained logits.
        target.Fc.weight!.zero_();
        target.Fc.bias!.zero_();
    }

    private Block ReadBlock(OnnxNode add)
    {
        if (add.Inputs.Count != 2) throw Error($"{add} does not have two inputs");
        foreach (var (mainValue, shortcutValue) in new[] { (add.Inputs[0], add.Inputs[1]), (add.Inputs[1], add.Inputs[0]) })
        {
            if (MainPath(mainValue) is not var (conv1, bn1, conv2, bn2)) continue;
            var blockInput = conv1.Inputs[0];
            if (shortcutValue == blockInput) return new Block(add, conv1, bn1, conv2, bn2, null);
            if (ConvNorm(shortcutValue) is var (dsConv, dsNorm) && dsConv.Inputs[0] == blockInput)
                return new Block(add, conv1, bn1, conv2, bn2, (dsConv, dsNorm));
            throw Error($"{add}: the shortcut is neither the block input nor a Conv→BatchNormalization of it");
        }
        throw Error($"{add}: neither input is a Conv→BN→Relu→Conv→BN path");
    }

    private (OnnxNode Conv1, OnnxNode Bn1, OnnxNode Conv2, OnnxNode Bn2)? MainPath(string value)
    {
        if (ConvNorm(value) is not var (conv2, bn2)) return null;
        if (walk.Producer(conv2.Inputs[0], "Relu") is not { } relu) return null;
        if (ConvNorm(relu.Inputs[0]) is not var (conv1, bn1)) return null;
        return (conv1, bn1, conv2, bn2);
    }

    private (OnnxNode Conv, OnnxNode Norm)? ConvNorm(string value) =>
        walk.Producer(value, "BatchNormalization") is { } norm && walk.Producer(norm.Inputs[0], "Conv") is { } conv
            ? (conv, norm)
            : null;

    private OnnxNode SingleConsumer(OnnxNode node, string opType)
    {
        var consumers = walk.Consumers(node.Outputs[0]);
        return consumers.Count == 1 && consumers[0].OpType == opType
            ? consumers[0]
            : throw Error($"{node} should feed exactly one {opType}, it feeds {string.Join(", ", consumers)}");
    }

    private void CheckMaxPool(OnnxNode stemNorm)
    {
        var relu = SingleConsumer(stemNorm, "Relu");
        var pool = SingleConsumer(relu, "MaxPool");
        if (!pool.Ints("kernel_shape").SequenceEqual([3L, 3L]) || !pool.Ints("strides").SequenceEqual([2L, 2L]))
            throw Error($"{pool} is not a 3×3 stride-2 max pool");
        CheckPads(pool, pool.Ints("pads"), 3, 2, "maxpool");
    }

    private void CopyConv(OnnxNode conv, Conv2d target, long stride, string name)
    {
        if (conv.Inputs.Count > 2 && conv.Inputs[2] != "") throw Error($"{conv} ({name}) has a bias, torchvision's {name} has none");
        if (conv.Attributes.TryGetValue("group", out var group) && group.Int is not (null or 1))
            throw Error($"{conv} ({name}) is a grouped convolution");
        if (!conv.Ints("strides").SequenceEqual([stride, stride])) throw Error($"{conv} ({name}) strides [{string.Join(",", conv.Ints("strides"))}], expected {stride}");
        var kernel = target.weight!.shape[^1];
        CheckPads(conv, conv.Ints("pads"), kernel, stride, name);
        Copy(conv.Inputs[1], target.weight!, conv, name + ".weight");
    }

    private void CopyNorm(OnnxNode norm, BatchNorm2d target, string name)
    {
        if (norm.Inputs.Count != 5) throw Error($"{norm} ({name}) has {norm.Inputs.Count} inputs, expected scale, bias, mean and variance");
        var eps = norm.Float("epsilon") ?? 1e-5f;
        if (Math.Abs(eps - ResNet18.BatchNormEpsilon) > 1e-9)
            throw Error($"{norm} ({name}) uses epsilon {eps}, ResNet18 runs with {ResNet18.BatchNormEpsilon}");
        Copy(norm.Inputs[1], target.weight!, norm, name + ".weight");
        Copy(norm.Inputs[2], target.bias!, norm, name + ".bias");
        Copy(norm.Inputs[3], target.running_mean!, norm, name + ".running_mean");
        Copy(norm.Inputs[4], target.running_var!, norm, name + ".running_var");
    }

    /// <summary>The import targets <see cref="ResNetPadding.Asymmetric"/>; any other padding in the file would silently shift features.</summary>
    private void CheckPads(OnnxNode node, IReadOnlyList<long> pads, long kernel, long stride, string name)
    {
        var (before, after) = StridedPadding.Pads(kernel, stride, ResNetPadding.Asymmetric);
        var expected = new[] { before, before, after, after };
        var actual = pads.Count == 0 ? [0L, 0L, 0L, 0L] : pads;
        if (!actual.SequenceEqual(expected))
            throw Error($"{node} ({name}) pads [{string.Join(",", actual)}], ResNetPadding.Asymmetric pads [{string.Join(",", expected)}]");
        if (node.Attributes.TryGetValue("auto_pad", out var auto) && auto.String is not (null or "NOTSET"))
            throw Error($"{node} ({name}) uses auto_pad {auto.String}");
    }

    private void Copy(string initializer, Tensor target, OnnxNode node, string name)
    {
        if (!walk.Graph.Initializers.TryGetValue(initializer, out var source))
            throw Error($"{node} ({name}): input {initializer} is not an initializer");
        if (!source.Dims.SequenceEqual(target.shape))
            throw Error($"{initializer} ({name}) has shape [{string.Join(",", source.Dims)}], expected [{string.Join(",", target.shape)}]");
        target.copy_(tensor(source.Floats, target.shape));
    }

    private InvalidDataException Error(string what) => new($"{source}: not an importable ResNet18: {what}");
}
